using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

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
/// itemTimeoutSeconds: 600
/// chunking: auto          # or off, or { size: [512, 512, 64] }
/// </code>
/// </example>
public static class JobSpecParser
{
    private static readonly string[] TopLevelKeys = ["name", "input", "stages", "output", "retries", ItemTimeoutKey, LegacyTimeoutKey, "chunking"];
    private static readonly string[] InputKeys = ["location", "include", "exclude", "items", "level"];
    private static readonly string[] OutputKeys = ["location", "format", "ngff", "chunks", "compressor"];
    private static readonly string[] StageKeys = ["pipeline", "args", "argsByDimension", "accelerator", "halo", "multiscales"];

    /// <summary>The spec key of an item's deadline, in seconds.</summary>
    public const string ItemTimeoutKey = "itemTimeoutSeconds";

    /// <summary>The key <see cref="ItemTimeoutKey"/> had before, still read (with a warning). Job ids hash the spec with
    /// the deadline under this key, so a spec keeps the id it had.</summary>
    public const string LegacyTimeoutKey = "taskTimeoutSeconds";

    /// <summary>The largest spec read, in bytes (UTF-8): 1 MiB.</summary>
    public const int MaxSpecBytes = 1 << 20;

    /// <summary>The deepest nesting of lists and objects a spec may have: 32 (a spec needs 5).</summary>
    public const int MaxDepth = 32;

    /// <summary>The most items a job may have, listed or matched: 1,000,000.</summary>
    public const int MaxItems = 1_000_000;

    /// <summary>The most stages a job may have: 64.</summary>
    public const int MaxStages = 64;

    /// <summary>The longest job name, in characters: 128 (it labels metrics and spans).</summary>
    public const int MaxNameLength = 128;

    /// <summary>Reads a job file; relative locations are resolved against the file's folder.</summary>
    /// <param name="path">The file.</param>
    /// <param name="warn">Told of what still reads but should change (a deprecated key), once each; or null.</param>
    /// <exception cref="JobSpecException">The file is missing or invalid.</exception>
    public static JobSpec ReadFile(string path, Action<string>? warn = null)
    {
        if (!File.Exists(path))
        {
            throw new JobSpecException(path, "no such job file");
        }

        if (new FileInfo(path).Length > MaxSpecBytes)
        {
            throw new JobSpecException(path, $"a job file is at most {MaxSpecBytes} bytes; list a large dataset's items with input.include patterns instead");
        }

        var yaml = !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        return Parse(File.ReadAllText(path), yaml, Path.GetDirectoryName(Path.GetFullPath(path))!, warn);
    }

    /// <summary>Parses job-spec text.</summary>
    /// <param name="text">The spec.</param>
    /// <param name="yaml">Whether the text is YAML (JSON is accepted either way: YAML is a superset).</param>
    /// <param name="baseDirectory">The folder relative locations are resolved against; null leaves them as written.</param>
    /// <param name="warn">Told of what still reads but should change (a deprecated key), once each; or null.</param>
    /// <exception cref="JobSpecException">The spec is invalid; the exception names the field.</exception>
    public static JobSpec Parse(string text, bool yaml, string? baseDirectory = null, Action<string>? warn = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxSpecBytes || System.Text.Encoding.UTF8.GetByteCount(text) > MaxSpecBytes)
        {
            throw new JobSpecException("(document)", $"a job spec is at most {MaxSpecBytes} bytes; list a large dataset's items with input.include patterns instead");
        }

        JsonNode? root;
        try
        {
            root = yaml ? SafeYaml.ToJson(text, MaxDepth) : JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth });
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            // YamlDotNet's message starts with the positions it also gives as Start: say them once, 1-based.
            var message = System.Text.RegularExpressions.Regex.Replace(e.Message, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", string.Empty);
            throw new JobSpecException("(document)", $"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {message}", e);
        }
        catch (JsonException e)
        {
            // System.Text.Json's message ends with its path and 0-based positions, and may advise changing reader
            // options, which a job file's author cannot: keep what is wrong, and say where, 1-based.
            var message = e.Message.Split(" Path: ", 2)[0].Split(" LineNumber: ", 2)[0].Replace(" Change the reader options.", string.Empty, StringComparison.Ordinal).TrimEnd();
            throw new JobSpecException("(document)", $"not valid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {message}", e);
        }

        return FromJson(root, baseDirectory, warn);
    }

    /// <summary>Builds a spec from its JSON tree; the same rules as <see cref="Parse"/>.</summary>
    public static JobSpec FromJson(JsonNode? root, string? baseDirectory = null, Action<string>? warn = null)
    {
        var o = root as JsonObject ?? throw new JobSpecException("(document)", "a job spec must be an object");
        SpecFields.KnownFields(o, TopLevelKeys, string.Empty);

        var stages = SpecFields.Required(o, "stages") as JsonArray ?? throw new JobSpecException("stages", "must be a list of stages");
        if (stages.Count == 0)
        {
            throw new JobSpecException("stages", "a job needs at least one stage");
        }

        if (stages.Count > MaxStages)
        {
            throw new JobSpecException("stages", $"a job has at most {MaxStages} stages, not {stages.Count}");
        }

        var name = SpecFields.Text(SpecFields.Required(o, "name"), "name");
        if (name.Length is 0 or > MaxNameLength || name.Any(char.IsControl))
        {
            throw new JobSpecException("name", $"must be 1 to {MaxNameLength} characters without control characters, not {name.Length}");
        }

        var retries = o["retries"] is null ? 2 : SpecFields.Integer(o["retries"], "retries");
        if (retries is < 0 or > 100)
        {
            throw new JobSpecException("retries", $"must be 0 to 100, not {retries}");
        }

        if (o[ItemTimeoutKey] is not null && o[LegacyTimeoutKey] is not null)
        {
            throw new JobSpecException(LegacyTimeoutKey, $"is the old name of {ItemTimeoutKey}; give one of them");
        }

        var timeoutKey = o[LegacyTimeoutKey] is null ? ItemTimeoutKey : LegacyTimeoutKey;
        if (timeoutKey == LegacyTimeoutKey)
        {
            warn?.Invoke($"{LegacyTimeoutKey} is deprecated; write {ItemTimeoutKey} (the deadline of one item's stages)");
        }

        var timeout = o[timeoutKey] is null ? 600 : SpecFields.Integer(o[timeoutKey], timeoutKey);
        if (timeout < 1)
        {
            throw new JobSpecException(timeoutKey, $"must be at least 1, not {timeout}");
        }

        var spec = new JobSpec
        {
            Name = name,
            Input = Dataset(SpecFields.Required(o, "input"), baseDirectory),
            Stages = stages.Select((s, i) => Stage(s, $"stages[{i}]")).ToArray(),
            Output = Output(SpecFields.Required(o, "output"), baseDirectory),
            Retries = retries,
            ItemTimeout = TimeSpan.FromSeconds(timeout),
            Chunking = o["chunking"] is { } chunking ? Chunking(chunking) : ChunkingSpec.Auto,
        };
        for (var i = 0; i < spec.Stages.Count; i++)
        {
            if (spec.Stages[i].Multiscales is not null && (i != spec.Stages.Count - 1 || !spec.Output.IsOmeZarr))
            {
                throw new JobSpecException($"stages[{i}].multiscales", $"a pyramid is the job's last stage, and its result an OME-Zarr image (output.format: {OutputSpec.OmeZarr})");
            }
        }

        return spec;
    }

    private static ChunkingSpec Chunking(JsonNode node)
    {
        if (node is JsonValue)
        {
            return SpecFields.Text(node, "chunking") switch
            {
                "auto" => ChunkingSpec.Auto,
                "off" or "false" => ChunkingSpec.Off,
                var other => throw new JobSpecException("chunking", $"'{other}' is not auto, off or {{ size: [X, Y, Z] }}"),
            };
        }

        var o = node as JsonObject ?? throw new JobSpecException("chunking", "must be auto, off or { size: [X, Y, Z] }");
        SpecFields.KnownFields(o, ["size"], "chunking.");
        return new ChunkingSpec { Size = SpecFields.PerAxis(SpecFields.Required(o, "size", "chunking."), "chunking.size", 1, single: false) };
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

        if (spec.Input.Level != 0)
        {
            input["level"] = spec.Input.Level; // only when set: the job ids of specs without it do not change
        }

        var json = new JsonObject
        {
            ["name"] = spec.Name,
            ["input"] = input,
            ["stages"] = new JsonArray(spec.Stages.Select(s => (JsonNode)StageJson(s)).ToArray()),
            ["output"] = OutputJson(spec.Output),
            ["retries"] = spec.Retries,
            [ItemTimeoutKey] = (long)spec.ItemTimeout.TotalSeconds,
        };

        // Written only when not auto, so that specs written before it existed keep their job ids.
        if (!spec.Chunking.Equals(ChunkingSpec.Auto))
        {
            json["chunking"] = spec.Chunking.Size is { } size ? new JsonObject { ["size"] = new JsonArray(size.Select(v => (JsonNode)v).ToArray()) } : "off";
        }

        return json;
    }

    // "accelerator" is written only when it is not auto, and "halo" only when given, so that specs written before they
    // existed keep their job ids.
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

        if (s.Halo is { } halo)
        {
            json["halo"] = new JsonArray(halo.Select(v => (JsonNode)v).ToArray());
        }

        if (s.Multiscales is { } multiscales)
        {
            // Its pipeline and arguments are the method's: the parser makes them again.
            json.Remove("args");
            json.Remove("argsByDimension");
            json["multiscales"] = new JsonObject { ["levels"] = multiscales.Levels, ["method"] = multiscales.Method };
        }

        return json;
    }

    // A pyramid stage: multiscales: { levels, method } and at most an accelerator (its pipeline and arguments are the
    // method's).
    private static StageSpec Multiscales(JsonObject o, JsonNode node, string field)
    {
        var m = node as JsonObject ?? throw new JobSpecException($"{field}.multiscales", "must be an object with levels and method");
        SpecFields.KnownFields(m, ["levels", "method"], $"{field}.multiscales.");
        foreach (var key in new[] { "args", "argsByDimension", "halo" })
        {
            if (o[key] is not null)
            {
                throw new JobSpecException($"{field}.{key}", "a multiscales stage takes no " + key + ": its method's pipeline shrinks by 2 along every axis");
            }
        }

        var levels = SpecFields.Integer(SpecFields.Required(m, "levels", $"{field}.multiscales."), $"{field}.multiscales.levels");
        var method = m["method"] is { } named ? SpecFields.Text(named, $"{field}.multiscales.method") : MultiscalesSpec.Gaussian;
        var spec = new MultiscalesSpec(
            levels is >= 1 and <= 16 ? levels : throw new JobSpecException($"{field}.multiscales.levels", $"{levels} is not 1 to 16"),
            method is MultiscalesSpec.Gaussian or MultiscalesSpec.BinShrink ? method : throw new JobSpecException($"{field}.multiscales.method", $"'{method}' is not {MultiscalesSpec.Gaussian} or {MultiscalesSpec.BinShrink}"));
        if (o["pipeline"] is { } pipeline && SpecFields.Text(pipeline, $"{field}.pipeline") != spec.Pipeline)
        {
            throw new JobSpecException($"{field}.pipeline", $"a multiscales stage runs {spec.Pipeline} (its method's); leave pipeline out");
        }

        return spec.Stage(Accelerator(o, field));
    }

    private static StageAccelerator Accelerator(JsonObject stage, string field) =>
        stage["accelerator"] is { } named
            ? SpecFields.Text(named, $"{field}.accelerator") switch
            {
                "auto" => StageAccelerator.Auto,
                "wasm" => StageAccelerator.Wasm,
                "simd" => StageAccelerator.Simd,
                "gpu" => StageAccelerator.Gpu,
                var other => throw new JobSpecException($"{field}.accelerator", $"'{other}' is not one of auto, wasm, simd, gpu"),
            }
            : StageAccelerator.Auto;

    private static DatasetSpec Dataset(JsonNode node, string? baseDirectory)
    {
        if (node is JsonValue)
        {
            return new DatasetSpec { Location = Resolve(SpecFields.Text(node, "input"), baseDirectory) };
        }

        var o = node as JsonObject ?? throw new JobSpecException("input", "must be a location or an object with location, include, exclude, items or level");
        SpecFields.KnownFields(o, InputKeys, "input.");
        return new DatasetSpec
        {
            Location = Resolve(SpecFields.Text(SpecFields.Required(o, "location", "input."), "input.location"), baseDirectory),
            Include = o["include"] is { } include ? SpecFields.List(include, "input.include") : ["**/*"],
            Exclude = o["exclude"] is { } exclude ? SpecFields.List(exclude, "input.exclude") : DatasetSpec.DefaultExclude,
            Items = o["items"] is { } items ? SpecFields.ItemNames(SpecFields.List(items, "input.items"), MaxItems) : null,
            Level = o["level"] is { } level ? Level(SpecFields.Integer(level, "input.level")) : 0,
        };
    }

    private static int Level(int level) =>
        level is >= 0 and <= 32 ? level : throw new JobSpecException("input.level", $"{level} is not an OME-Zarr resolution level (0, the highest resolution, to 32)");

    private static OutputSpec Output(JsonNode node, string? baseDirectory)
    {
        if (node is JsonValue)
        {
            return new OutputSpec { Location = Resolve(SpecFields.Text(node, "output"), baseDirectory) };
        }

        var o = node as JsonObject ?? throw new JobSpecException("output", "must be a location or an object with location and format (and, for .ome.zarr, ngff, chunks and compressor)");
        SpecFields.KnownFields(o, OutputKeys, "output.");
        var format = o["format"] is { } f ? SpecFields.Text(f, "output.format") : ".iwi.cbor";
        if (!format.StartsWith('.') || format.Contains('/', StringComparison.Ordinal))
        {
            throw new JobSpecException("output.format", $"must be an extension such as .iwi.cbor or .nii.gz, not '{format}'");
        }

        var output = new OutputSpec { Location = Resolve(SpecFields.Text(SpecFields.Required(o, "location", "output."), "output.location"), baseDirectory), Format = format };
        foreach (var key in new[] { "ngff", "chunks", "compressor" })
        {
            if (o[key] is not null && !output.IsOmeZarr)
            {
                throw new JobSpecException($"output.{key}", $"applies to OME-Zarr results (format: {OutputSpec.OmeZarr}), not {format}");
            }
        }

        var ngff = o["ngff"] is { } n ? SpecFields.Text(n, "output.ngff") : "0.4";
        var compressor = o["compressor"] is { } c ? SpecFields.Text(c, "output.compressor") : "zstd";
        return output with
        {
            Ngff = ngff is "0.4" or "0.5" ? ngff : throw new JobSpecException("output.ngff", $"\"{ngff}\" is not written; use \"0.4\" (Zarr v2) or \"0.5\" (Zarr v3)"),
            Chunks = o["chunks"] is { } chunks ? SpecFields.PerAxis(chunks, "output.chunks", 1, single: true) : null,
            Compressor = compressor is "zstd" or "blosc-zstd" or "none" ? compressor : throw new JobSpecException("output.compressor", $"\"{compressor}\" is not written; use zstd, blosc-zstd or none"),
        };
    }

    // The output as JSON: OME-Zarr's settings only for OME-Zarr results (the job ids of other specs do not change).
    private static JsonObject OutputJson(OutputSpec output)
    {
        var json = new JsonObject { ["location"] = output.Location, ["format"] = output.Format };
        if (output.IsOmeZarr)
        {
            json["ngff"] = output.Ngff;
            json["compressor"] = output.Compressor;
            if (output.Chunks is { } chunks)
            {
                json["chunks"] = new JsonArray([.. chunks.Select(c => (JsonNode)c)]);
            }
        }

        return json;
    }

    private static StageSpec Stage(JsonNode? node, string field)
    {
        var o = node as JsonObject ?? throw new JobSpecException(field, "must be an object with pipeline and args");
        SpecFields.KnownFields(o, StageKeys, field + ".");
        var byDimension = new Dictionary<int, IReadOnlyList<string>>();
        if (o["argsByDimension"] is { } map)
        {
            foreach (var (key, value) in map as JsonObject ?? throw new JobSpecException($"{field}.argsByDimension", "must map dimensions to argument lists"))
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var dimension) || dimension < 1)
                {
                    throw new JobSpecException($"{field}.argsByDimension", $"'{key}' is not a dimension (1, 2, 3, ...)");
                }

                byDimension[dimension] = SpecFields.List(value!, $"{field}.argsByDimension.{key}");
            }
        }

        if (o["multiscales"] is { } multiscales)
        {
            return Multiscales(o, multiscales, field);
        }

        var pipeline = SpecFields.Text(SpecFields.Required(o, "pipeline", field + "."), $"{field}.pipeline");
        if (pipeline.Length == 0)
        {
            throw new JobSpecException($"{field}.pipeline", "must not be empty");
        }

        var accelerator = Accelerator(o, field);

        return new StageSpec
        {
            Pipeline = pipeline,
            Args = o["args"] is { } args ? SpecFields.List(args, $"{field}.args") : [],
            ArgsByDimension = byDimension,
            Accelerator = accelerator,
            Halo = o["halo"] is { } halo ? SpecFields.PerAxis(halo, $"{field}.halo", 0, single: true) : null,
        };
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    // A relative folder is taken from the spec's folder; blob locations (az://, https://) are left as written.
    private static string Resolve(string location, string? baseDirectory) =>
        baseDirectory is null || Path.IsPathRooted(location) || location.Contains("://", StringComparison.Ordinal)
            ? location
            : Path.GetFullPath(Path.Combine(baseDirectory, location));
}
