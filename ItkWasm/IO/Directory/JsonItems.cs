using System.Globalization;
using System.Text.Json;

namespace ItkWasm.IO.Directory;

/// <summary>
/// Reads and writes the <c>index.json</c> of ITK-Wasm's directory forms (ITKWASM-SPEC §3.1) with System.Text.Json.
/// Reading is lenient (any key order, unknown keys ignored, old and new writers' layouts); writing matches the current
/// glaze writer's layout: 3-space indentation, known keys only.
/// </summary>
internal static class JsonItems
{
    /// <summary>The data URL prefix that names a file inside the directory.</summary>
    public const string PathUrlPrefix = "data:application/vnd.itk.path,";

    /// <summary>Writer options matching glaze's prettified output.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Indented = true, IndentSize = 3 };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <summary>Parses an <c>index.json</c> of at most 64 MiB.</summary>
    /// <exception cref="ItkWasmFormatException">The file is missing, too large or not JSON.</exception>
    public static JsonDocument ParseIndex(string directory)
    {
        var path = Path.Combine(directory, "index.json");
        if (!File.Exists(path))
        {
            throw new ItkWasmFormatException(directory, "the directory has no index.json");
        }

        if (new FileInfo(path).Length > 64 << 20)
        {
            throw new ItkWasmFormatException(path, "index.json is larger than 64 MiB");
        }

        return ParseIndex(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses the bytes of an <c>index.json</c>.</summary>
    /// <exception cref="ItkWasmFormatException">They are not JSON.</exception>
    public static JsonDocument ParseIndex(ReadOnlyMemory<byte> json, string sourceName)
    {
        try
        {
            return JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            throw new ItkWasmFormatException(sourceName, $"not valid JSON: {e.Message}", null, e);
        }
    }

    /// <summary>Runs <paramref name="read"/>, turning a malformed-content error into an
    /// <see cref="ItkWasmFormatException"/> for <paramref name="sourceName"/>.</summary>
    public static T Interpret<T>(string sourceName, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException)
        {
            throw new ItkWasmFormatException(sourceName, e.Message, null, e);
        }
    }

    /// <summary>Writes <c>index.json</c> in <paramref name="directory"/> through <paramref name="write"/>, with the
    /// glaze-like layout.</summary>
    public static void WriteIndex(string directory, Action<Utf8JsonWriter> write)
    {
        using var stream = File.Create(Path.Combine(directory, "index.json"));
        using var writer = new Utf8JsonWriter(stream, WriterOptions);
        write(writer);
    }

    /// <summary>Returns the required property <paramref name="name"/>.</summary>
    public static JsonElement Required(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value
            : throw new FormatException($"missing \"{name}\"");

    /// <summary>Returns the optional property <paramref name="name"/>, or null.</summary>
    public static JsonElement? Optional(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;

    /// <summary>Reads a non-negative integer.</summary>
    public static long GetCount(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out var v) && v >= 0
            ? v
            : throw new FormatException($"\"{name}\" must be a non-negative integer, not {element.GetRawText()}");

    /// <summary>Reads a non-negative integer that fits in an <see cref="int"/>.</summary>
    public static int GetSmallCount(this JsonElement element, string name) =>
        checked((int)element.GetCount(name));

    /// <summary>Reads a number.</summary>
    public static double GetNumber(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Number
            ? element.GetDouble()
            : throw new FormatException($"\"{name}\" must be a number, not {element.GetRawText()}");

    /// <summary>Reads a string.</summary>
    public static string GetText(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.String
            ? element.GetString()!
            : throw new FormatException($"\"{name}\" must be a string, not {element.GetRawText()}");

    /// <summary>Reads an array with <paramref name="item"/>.</summary>
    public static T[] GetArray<T>(this JsonElement element, string name, Func<JsonElement, string, T> item) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray().Select(e => item(e, name)).ToArray()
            : throw new FormatException($"\"{name}\" must be an array");

    /// <summary>Reads a component type string.</summary>
    public static ComponentType GetComponentType(this JsonElement element, string name)
    {
        var s = element.GetText(name);
        return ItkWasmEnums.TryParseComponentType(s, out var t)
            ? t
            : throw new FormatException($"unknown component type \"{s}\" in \"{name}\"");
    }

    /// <summary>Reads a pixel type string.</summary>
    public static PixelType GetPixelType(this JsonElement element, string name)
    {
        var s = element.GetText(name);
        return ItkWasmEnums.TryParsePixelType(s, out var t)
            ? t
            : throw new FormatException($"unknown pixel type \"{s}\" in \"{name}\"");
    }

    /// <summary>
    /// Reads ITK-Wasm's JSON metadata, a list of <c>[key, value]</c> pairs (ITKWASM-SPEC §2.2), into
    /// <paramref name="metadata"/>. Values of unsupported shapes are skipped, as ITK-Wasm's reader does.
    /// </summary>
    public static void ReadMetadata(this JsonElement? element, OrderedDictionary<string, MetadataValue> metadata)
    {
        if (element is not { ValueKind: JsonValueKind.Array } list)
        {
            return;
        }

        foreach (var pair in list.EnumerateArray())
        {
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2
                || pair[0].ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"metadata entries must be [key, value] pairs, not {pair.GetRawText()}");
            }

            if (ToMetadataValue(pair[1]) is { } value)
            {
                metadata[pair[0].GetString()!] = value;
            }
        }
    }

    /// <summary>Writes <paramref name="metadata"/> as a list of <c>[key, value]</c> pairs.</summary>
    public static void WriteMetadata(this Utf8JsonWriter writer, OrderedDictionary<string, MetadataValue> metadata)
    {
        writer.WriteStartArray("metadata");
        foreach (var (key, value) in metadata)
        {
            writer.WriteStartArray();
            writer.WriteStringValue(key);
            switch (value.Kind)
            {
                case MetadataValueKind.Boolean:
                    writer.WriteBooleanValue(value.AsBoolean());
                    break;
                case MetadataValueKind.Number:
                    writer.WriteNumberValue(value.AsNumber());
                    break;
                case MetadataValueKind.String:
                    writer.WriteStringValue(value.AsString());
                    break;
                case MetadataValueKind.NumberArray:
                    writer.WriteNumbers(value.AsNumberArray());
                    break;
                case MetadataValueKind.StringArray:
                    writer.WriteStartArray();
                    foreach (var s in value.AsStringArray())
                    {
                        writer.WriteStringValue(s);
                    }

                    writer.WriteEndArray();
                    break;
                default:
                    writer.WriteStartArray();
                    foreach (var row in value.AsNumberMatrix())
                    {
                        writer.WriteNumbers(row);
                    }

                    writer.WriteEndArray();
                    break;
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes an array of numbers as the value of <paramref name="name"/>, or as an array value.</summary>
    public static void WriteNumbers(this Utf8JsonWriter writer, IEnumerable<double> values, string? name = null)
    {
        if (name is null)
        {
            writer.WriteStartArray();
        }
        else
        {
            writer.WriteStartArray(name);
        }

        foreach (var v in values)
        {
            writer.WriteNumberValue(v);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes an array of integers as the value of <paramref name="name"/>.</summary>
    public static void WriteCounts(this Utf8JsonWriter writer, string name, IEnumerable<long> values)
    {
        writer.WriteStartArray(name);
        foreach (var v in values)
        {
            writer.WriteNumberValue(v);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes the data URL naming <paramref name="relativePath"/>.</summary>
    public static void WritePathUrl(this Utf8JsonWriter writer, string name, string relativePath) =>
        writer.WriteString(name, PathUrlPrefix + relativePath);

    /// <summary>Formats an index for a directory name such as <c>data/3</c>.</summary>
    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static MetadataValue? ToMetadataValue(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.True or JsonValueKind.False:
                return MetadataValue.FromBoolean(e.GetBoolean());
            case JsonValueKind.Number:
                return MetadataValue.FromNumber(e.GetDouble());
            case JsonValueKind.String:
                return MetadataValue.FromString(e.GetString()!);
            case JsonValueKind.Array:
                var items = e.EnumerateArray().ToArray();
                if (items.All(i => i.ValueKind == JsonValueKind.Number))
                {
                    return MetadataValue.FromNumberArray(items.Select(i => i.GetDouble()));
                }

                if (items.All(i => i.ValueKind == JsonValueKind.String))
                {
                    return MetadataValue.FromStringArray(items.Select(i => i.GetString()!));
                }

                if (items.All(i => i.ValueKind == JsonValueKind.Array
                                   && i.EnumerateArray().All(n => n.ValueKind == JsonValueKind.Number)))
                {
                    return MetadataValue.FromNumberMatrix(items.Select(i => i.EnumerateArray().Select(n => n.GetDouble())));
                }

                return null;
            default:
                return null;
        }
    }
}
