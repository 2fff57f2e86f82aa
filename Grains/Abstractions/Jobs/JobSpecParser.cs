using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace ItkWasmCluster.Jobs;

/// <summary>
/// Reads job specs from JSON or YAML (YamlDotNet turns YAML into the same JSON tree) and writes them as JSON. Every
/// error is a <see cref="JobSpecException"/> naming the field.
/// </summary>
/// <example>
/// <code>
/// name: downsample-samples
/// input: { location: images, include: ["*.png", "*.nii.gz"] }
/// stages:
///   - pipeline: "@itk-wasm/downsample:downsample"
///     args: [--shrink-factors, "2", "2"]
///     argsByDimension: { 3: [--shrink-factors, "2", "2", "2"] }
/// output: { location: out, format: .iwi.cbor }
/// retries: 2
/// taskTimeoutSeconds: 600
/// </code>
/// </example>
public static class JobSpecParser
{
    private static readonly string[] TopLevelKeys = ["name", "input", "stages", "output", "retries", "taskTimeoutSeconds"];
    private static readonly string[] InputKeys = ["location", "include", "exclude", "items"];
    private static readonly string[] OutputKeys = ["location", "format"];
    private static readonly string[] StageKeys = ["pipeline", "args", "argsByDimension", "accelerator"];

    /// <summary>Reads a job file; relative locations are resolved against the file's folder.</summary>
    /// <exception cref="JobSpecException">The file is missing or invalid.</exception>
    public static JobSpec ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new JobSpecException(path, "no such job file");
        }

        var yaml = !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        return Parse(File.ReadAllText(path), yaml, Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Parses job-spec text.</summary>
    /// <param name="text">The spec.</param>
    /// <param name="yaml">Whether the text is YAML (JSON is accepted either way: YAML is a superset).</param>
    /// <param name="baseDirectory">The folder relative locations are resolved against; null leaves them as written.</param>
    /// <exception cref="JobSpecException">The spec is invalid; the exception names the field.</exception>
    public static JobSpec Parse(string text, bool yaml, string? baseDirectory = null)
    {
        JsonNode? root;
        try
        {
            root = yaml ? YamlToJson(text) : JsonNode.Parse(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new JobSpecException("(document)", $"not valid {(yaml ? "YAML" : "JSON")}: {e.Message}", e);
        }

        return FromJson(root, baseDirectory);
    }

    /// <summary>Builds a spec from its JSON tree; the same rules as <see cref="Parse"/>.</summary>
    public static JobSpec FromJson(JsonNode? root, string? baseDirectory = null)
    {
        var o = root as JsonObject ?? throw new JobSpecException("(document)", "a job spec must be an object");
        KnownFields(o, TopLevelKeys, string.Empty);

        var stages = Required(o, "stages") as JsonArray ?? throw new JobSpecException("stages", "must be a list of stages");
        if (stages.Count == 0)
        {
            throw new JobSpecException("stages", "a job needs at least one stage");
        }

        var retries = o["retries"] is null ? 2 : Integer(o["retries"], "retries");
        if (retries is < 0 or > 100)
        {
            throw new JobSpecException("retries", $"must be 0 to 100, not {retries}");
        }

        var timeout = o["taskTimeoutSeconds"] is null ? 600 : Integer(o["taskTimeoutSeconds"], "taskTimeoutSeconds");
        if (timeout < 1)
        {
            throw new JobSpecException("taskTimeoutSeconds", $"must be at least 1, not {timeout}");
        }

        return new JobSpec
        {
            Name = Text(Required(o, "name"), "name"),
            Input = Dataset(Required(o, "input"), baseDirectory),
            Stages = stages.Select((s, i) => Stage(s, $"stages[{i}]")).ToArray(),
            Output = Output(Required(o, "output"), baseDirectory),
            Retries = retries,
            TaskTimeout = TimeSpan.FromSeconds(timeout),
        };
    }

    /// <summary>Writes <paramref name="spec"/> as JSON, the form the job store keeps and the HTTP API takes.</summary>
    public static JsonObject ToJson(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var input = new JsonObject
        {
            ["location"] = spec.Input.Location,
            ["include"] = Strings(spec.Input.Include),
            ["exclude"] = Strings(spec.Input.Exclude),
        };
        if (spec.Input.Items is { } items)
        {
            input["items"] = Strings(items);
        }

        return new JsonObject
        {
            ["name"] = spec.Name,
            ["input"] = input,
            ["stages"] = new JsonArray(spec.Stages.Select(s => (JsonNode)StageJson(s)).ToArray()),
            ["output"] = new JsonObject { ["location"] = spec.Output.Location, ["format"] = spec.Output.Format },
            ["retries"] = spec.Retries,
            ["taskTimeoutSeconds"] = (long)spec.TaskTimeout.TotalSeconds,
        };
    }

    // "accelerator" is written only when it is not auto, so that specs written before it existed keep their job ids.
    private static JsonObject StageJson(StageSpec s)
    {
        var json = new JsonObject
        {
            ["pipeline"] = s.Pipeline,
            ["args"] = Strings(s.Args),
            ["argsByDimension"] = new JsonObject(s.ArgsByDimension.OrderBy(p => p.Key).Select(p =>
                KeyValuePair.Create(p.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)Strings(p.Value)))),
        };
        if (s.Accelerator != StageAccelerator.Auto)
        {
            json["accelerator"] = s.Accelerator.ToString().ToLowerInvariant();
        }

        return json;
    }

    private static JsonNode? YamlToJson(string text)
    {
        var graph = new DeserializerBuilder().Build().Deserialize<object?>(text);
        var json = new SerializerBuilder().JsonCompatible().Build().Serialize(graph);
        return JsonNode.Parse(json);
    }

    private static DatasetSpec Dataset(JsonNode node, string? baseDirectory)
    {
        if (node is JsonValue)
        {
            return new DatasetSpec { Location = Resolve(Text(node, "input"), baseDirectory) };
        }

        var o = node as JsonObject ?? throw new JobSpecException("input", "must be a location or an object with location, include, exclude or items");
        KnownFields(o, InputKeys, "input.");
        return new DatasetSpec
        {
            Location = Resolve(Text(Required(o, "location", "input."), "input.location"), baseDirectory),
            Include = o["include"] is { } include ? List(include, "input.include") : ["**/*"],
            Exclude = o["exclude"] is { } exclude ? List(exclude, "input.exclude") : DatasetSpec.DefaultExclude,
            Items = o["items"] is { } items ? List(items, "input.items") : null,
        };
    }

    private static OutputSpec Output(JsonNode node, string? baseDirectory)
    {
        if (node is JsonValue)
        {
            return new OutputSpec { Location = Resolve(Text(node, "output"), baseDirectory) };
        }

        var o = node as JsonObject ?? throw new JobSpecException("output", "must be a location or an object with location and format");
        KnownFields(o, OutputKeys, "output.");
        var format = o["format"] is { } f ? Text(f, "output.format") : ".iwi.cbor";
        if (!format.StartsWith('.') || format.Contains('/', StringComparison.Ordinal))
        {
            throw new JobSpecException("output.format", $"must be an extension such as .iwi.cbor or .nii.gz, not '{format}'");
        }

        return new OutputSpec { Location = Resolve(Text(Required(o, "location", "output."), "output.location"), baseDirectory), Format = format };
    }

    private static StageSpec Stage(JsonNode? node, string field)
    {
        var o = node as JsonObject ?? throw new JobSpecException(field, "must be an object with pipeline and args");
        KnownFields(o, StageKeys, field + ".");
        var byDimension = new Dictionary<int, IReadOnlyList<string>>();
        if (o["argsByDimension"] is { } map)
        {
            foreach (var (key, value) in map as JsonObject ?? throw new JobSpecException($"{field}.argsByDimension", "must map dimensions to argument lists"))
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var dimension) || dimension < 1)
                {
                    throw new JobSpecException($"{field}.argsByDimension", $"'{key}' is not a dimension (1, 2, 3, ...)");
                }

                byDimension[dimension] = List(value!, $"{field}.argsByDimension.{key}");
            }
        }

        var pipeline = Text(Required(o, "pipeline", field + "."), $"{field}.pipeline");
        if (pipeline.Length == 0)
        {
            throw new JobSpecException($"{field}.pipeline", "must not be empty");
        }

        var accelerator = o["accelerator"] is { } named
            ? Text(named, $"{field}.accelerator") switch
            {
                "auto" => StageAccelerator.Auto,
                "wasm" => StageAccelerator.Wasm,
                "simd" => StageAccelerator.Simd,
                "gpu" => StageAccelerator.Gpu,
                var other => throw new JobSpecException($"{field}.accelerator", $"'{other}' is not one of auto, wasm, simd, gpu"),
            }
            : StageAccelerator.Auto;

        return new StageSpec
        {
            Pipeline = pipeline,
            Args = o["args"] is { } args ? List(args, $"{field}.args") : [],
            ArgsByDimension = byDimension,
            Accelerator = accelerator,
        };
    }

    // A misspelt or unsupported field would otherwise be ignored and the job would run without it.
    private static void KnownFields(JsonObject o, string[] known, string prefix)
    {
        foreach (var (key, _) in o)
        {
            if (!known.Contains(key))
            {
                throw new JobSpecException(prefix + key, $"unknown field; the fields are {string.Join(", ", known)}");
            }
        }
    }

    private static JsonNode Required(JsonObject o, string key, string prefix = "") =>
        o[key] ?? throw new JobSpecException(prefix + key, "is required");

    private static string Text(JsonNode? node, string field) =>
        node is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : node is JsonValue number && number.TryGetValue<double>(out var d)
                ? d.ToString(CultureInfo.InvariantCulture)
                : throw new JobSpecException(field, "must be a string");

    private static int Integer(JsonNode? node, string field)
    {
        // A number written by this parser may be held as any CLR type; YAML scalars arrive as strings.
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString();
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new JobSpecException(field, "must be a whole number");
    }

    private static string[] List(JsonNode node, string field) => node is JsonArray a
        ? a.Select((n, i) => Text(n, $"{field}[{i}]")).ToArray()
        : throw new JobSpecException(field, "must be a list of strings");

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    // A relative folder is taken from the spec's folder; blob locations (az://, https://) are left as written.
    private static string Resolve(string location, string? baseDirectory) =>
        baseDirectory is null || Path.IsPathRooted(location) || location.Contains("://", StringComparison.Ordinal)
            ? location
            : Path.GetFullPath(Path.Combine(baseDirectory, location));
}
