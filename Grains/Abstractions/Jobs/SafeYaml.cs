using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace ItkWasmCluster.Jobs;

/// <summary>Turns YAML text into the JSON tree that the spec parser reads (YamlDotNet), refusing what would make a small
/// document expensive to read.</summary>
internal static class SafeYaml
{
    // YAML is read event by event first: an alias (*name) is refused rather than expanded (a "billion laughs" spec
    // expands exponentially), and nesting deeper than maxDepth is refused before the recursive deserializer sees it.
    public static JsonNode? ToJson(string text, int maxDepth)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        var depth = 0;
        var line = 1L;
        while (Next(parser, line))
        {
            line = parser.Current!.End.Line;
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.AnchorAlias alias:
                    throw new JobSpecException("(document)", $"YAML aliases are not accepted (*{alias.Value} at line {alias.Start.Line}); write the value out");
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart when ++depth > maxDepth:
                    throw new JobSpecException("(document)", $"nested deeper than {maxDepth} lists and maps (line {parser.Current.Start.Line})");
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
            }
        }

        var graph = new DeserializerBuilder().Build().Deserialize<object?>(text);
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(graph);
        return JsonNode.Parse(json);
    }

    // YamlDotNet's scanner throws InvalidOperationException, with no position, on some unclosed flow collections.
    private static bool Next(YamlDotNet.Core.Parser parser, long line)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (InvalidOperationException e)
        {
            throw new JobSpecException("(document)", $"not valid YAML after line {line}: it cannot be read past there (is a [ or {{ left open?)", e);
        }
    }
}
