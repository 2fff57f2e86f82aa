using System.Text.Json;

namespace ItkWasm.IO.Directory;

/// <summary>
/// The <c>.iwt/</c> directory form (ITKWASM-SPEC §3.1): <c>index.json</c>, a JSON array of TransformJSON, and for each
/// non-<c>Composite</c> entry at position i, <c>data/i/fixed-parameters.raw</c> (float64) and
/// <c>data/i/parameters.raw</c> (float32 or float64). Composite headers have no data directory.
/// </summary>
internal static class TransformDirectory
{
    /// <summary>Reads the transform list stored in <paramref name="directory"/>.</summary>
    public static TransformList Read(string directory)
    {
        using var index = JsonItems.ParseIndex(directory);
        var indexPath = Path.Combine(directory, "index.json");
        var list = new TransformList();
        try
        {
            var entries = JsonItems.Interpret(
                indexPath,
                () => index.RootElement.ValueKind == JsonValueKind.Array
                    ? index.RootElement.EnumerateArray().ToArray()
                    : throw new FormatException("index.json of a transform list must be a JSON array"));
            for (var i = 0; i < entries.Length; i++)
            {
                var position = i;
                var t = JsonItems.Interpret(indexPath, () => ReadTransform(entries[position]));
                list.Add(t);
                if (t.IsCompositeHeader)
                {
                    continue;
                }

                var folder = $"data/{JsonItems.Invariant(i)}";
                using (var fixedParameters = RawFiles.Read(
                           directory, $"{folder}/fixed-parameters.raw", checked(t.NumberOfFixedParameters * 8)))
                {
                    t.FixedParameters = fixedParameters.ToArray<double>();
                }

                t.Parameters.Dispose();
                t.Parameters = RawFiles.Read(
                    directory,
                    $"{folder}/parameters.raw",
                    checked(t.NumberOfParameters * t.TransformType.ParametersValueType.SizeInBytes()));
            }

            return list;
        }
        catch
        {
            list.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="transforms"/> as a directory at <paramref name="directory"/>, atomically.</summary>
    public static void Write(TransformList transforms, string directory)
    {
        transforms.Validate();
        AtomicWrite.Directory(directory, temp =>
        {
            JsonItems.WriteIndex(temp, w =>
            {
                w.WriteStartArray();
                for (var i = 0; i < transforms.Count; i++)
                {
                    var t = transforms[i];
                    var folder = $"data/{JsonItems.Invariant(i)}";
                    w.WriteStartObject();
                    InterfaceTypeJson.WriteTransformHeader(w, t);
                    w.WritePathUrl("fixedParameters", $"{folder}/fixed-parameters.raw");
                    w.WritePathUrl("parameters", $"{folder}/parameters.raw");
                    w.WriteMetadata(t.Metadata);
                    w.WriteEndObject();
                    if (!t.IsCompositeHeader)
                    {
                        RawFiles.Write(temp, $"{folder}/fixed-parameters.raw", t.FixedParameters);
                        RawFiles.Write(temp, $"{folder}/parameters.raw", t.Parameters);
                    }
                }

                w.WriteEndArray();
            });
        });
    }

    private static Transform ReadTransform(JsonElement e)
    {
        var type = InterfaceTypeJson.ReadTransformType(e.Required("transformType"));
        var t = new Transform(type)
        {
            NumberOfFixedParameters = e.Required("numberOfFixedParameters").GetCount("numberOfFixedParameters"),
            NumberOfParameters = e.Required("numberOfParameters").GetCount("numberOfParameters"),
            Name = e.Optional("name")?.GetText("name") ?? string.Empty,
            InputSpaceName = e.Optional("inputSpaceName")?.GetText("inputSpaceName") ?? string.Empty,
            OutputSpaceName = e.Optional("outputSpaceName")?.GetText("outputSpaceName") ?? string.Empty,
        };
        e.Optional("metadata").ReadMetadata(t.Metadata);
        return t;
    }
}
