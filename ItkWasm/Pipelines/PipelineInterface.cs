using System.Text.Json;

namespace ItkWasm.Pipelines;

/// <summary>
/// A pipeline's description, as printed by <c>--interface-json</c> (ITKWASM-SPEC §1.9): positional inputs, positional
/// outputs and options (parameters), each with its type and defaults.
/// </summary>
/// <param name="Name">The pipeline's name.</param>
/// <param name="Description">What it does.</param>
/// <param name="Version">Its version, when the module says (older ones do not).</param>
/// <param name="Inputs">Positional inputs, in order.</param>
/// <param name="Outputs">Positional outputs, in order.</param>
/// <param name="Parameters">Options, including <c>memory-io</c> and <c>version</c>.</param>
public sealed record PipelineInterface(
    string Name,
    string Description,
    string? Version,
    IReadOnlyList<PipelineParameter> Inputs,
    IReadOnlyList<PipelineParameter> Outputs,
    IReadOnlyList<PipelineParameter> Parameters)
{
    /// <summary>Parses the JSON a pipeline prints for <c>--interface-json</c>.</summary>
    /// <exception cref="FormatException">The text is not such a description.</exception>
    public static PipelineInterface Parse(string json)
    {
        try
        {
            var root = JsonDocument.Parse(json).RootElement;
            return new PipelineInterface(
                Text(root, "name") ?? string.Empty,
                Text(root, "description") ?? string.Empty,
                Text(root, "version"),
                Items(root, "inputs"),
                Items(root, "outputs"),
                Items(root, "parameters"));
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new FormatException($"Not an ITK-Wasm interface description: {e.Message}", e);
        }
    }

    /// <summary>Maps a CLI11 type name such as <c>INPUT_IMAGE</c> or <c>OUTPUT_BINARY_FILE:FILE</c> to its interface
    /// type, following ITK-Wasm's bindgen (<c>interface-json-type-to-interface-type.js</c>); null for scalars.</summary>
    public static InterfaceType? ToInterfaceType(string type)
    {
        var bare = type.Split(':')[0];
        var kind = bare.StartsWith("INPUT_", StringComparison.Ordinal) ? bare["INPUT_".Length..]
            : bare.StartsWith("OUTPUT_", StringComparison.Ordinal) ? bare["OUTPUT_".Length..]
            : null;
        return kind switch
        {
            "TEXT_FILE" => Pipelines.InterfaceType.TextFile,
            "BINARY_FILE" => Pipelines.InterfaceType.BinaryFile,
            "TEXT_STREAM" => Pipelines.InterfaceType.TextStream,
            "BINARY_STREAM" => Pipelines.InterfaceType.BinaryStream,
            "IMAGE" => Pipelines.InterfaceType.Image,
            "MESH" => Pipelines.InterfaceType.Mesh,
            "POINT_SET" or "POINTSET" => Pipelines.InterfaceType.PointSet,
            "POLYDATA" => Pipelines.InterfaceType.PolyData,
            "TRANSFORM" => Pipelines.InterfaceType.TransformList,
            "JSON" => Pipelines.InterfaceType.JsonCompatible,
            _ => null,
        };
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Number(JsonElement e, string name, int fallback) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)
            ? (int)Math.Min(n, int.MaxValue)
            : fallback;

    private static PipelineParameter[] Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(item => new PipelineParameter(
                Text(item, "name") ?? string.Empty,
                Text(item, "description") ?? string.Empty,
                Text(item, "type") ?? string.Empty,
                item.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True,
                Number(item, "itemsExpected", 1),
                Number(item, "itemsExpectedMin", 1),
                Number(item, "itemsExpectedMax", 1),
                item.TryGetProperty("default", out var d) && d.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)
                    ? (d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText())
                    : null)).ToArray()
            : [];
}
