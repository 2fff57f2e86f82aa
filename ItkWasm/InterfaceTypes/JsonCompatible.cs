using System.Text.Json.Nodes;

namespace ItkWasm;

/// <summary>
/// ITK-Wasm's <c>JsonCompatible</c>: any JSON value a pipeline takes or returns (ITKWASM-SPEC §2.7), for example the
/// metrics of an image comparison. It crosses into a pipeline as UTF-8 JSON text.
/// </summary>
/// <param name="Value">The JSON value; <see langword="null"/> stands for JSON <c>null</c>.</param>
public sealed record JsonCompatible(JsonNode? Value)
{
    /// <summary>Parses UTF-8 JSON text.</summary>
    /// <exception cref="System.Text.Json.JsonException">The text is not JSON.</exception>
    public static JsonCompatible Parse(string json) => new(JsonNode.Parse(json));

    /// <summary>Returns the value as compact JSON text.</summary>
    public string ToJsonString() => Value?.ToJsonString() ?? "null";
}
