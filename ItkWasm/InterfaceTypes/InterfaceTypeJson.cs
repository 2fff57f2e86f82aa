using System.Text.Json;

namespace ItkWasm;

/// <summary>
/// Reads and writes the type records as ITK-Wasm's JSON objects (<c>imageType</c>, <c>meshType</c>,
/// <c>pointSetType</c>, <c>polyDataType</c>, <c>transformType</c>), with its key order and enum strings
/// (ITKWASM-SPEC §2.2–§2.6). The same shapes appear in <c>index.json</c> files, in pipeline inputs and outputs, and in
/// the command line's summaries. Readers take any key order, ignore unknown keys, and keep the record's default for a
/// missing key; they throw <see cref="FormatException"/> naming a wrongly typed value or an unknown enum string.
/// </summary>
public static class InterfaceTypeJson
{
    /// <summary>Writes <paramref name="type"/> as the object <paramref name="name"/>.</summary>
    public static void Write(Utf8JsonWriter writer, string name, ImageType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        writer.WriteStartObject(name);
        writer.WriteNumber("dimension", type.Dimension);
        writer.WriteString("componentType", type.ComponentType.ToItkWasmString());
        writer.WriteString("pixelType", type.PixelType.ToItkWasmString());
        writer.WriteNumber("components", type.Components);
        writer.WriteEndObject();
    }

    /// <summary>Writes <paramref name="type"/> as the object <paramref name="name"/>, in the JSON key order (which
    /// differs from the <c>.iwm.cbor</c> order).</summary>
    public static void Write(Utf8JsonWriter writer, string name, MeshType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        writer.WriteStartObject(name);
        WritePointFields(writer, PointFields(type));
        writer.WriteString("cellComponentType", type.CellComponentType.ToItkWasmString());
        writer.WriteString("cellPixelComponentType", type.CellPixelComponentType.ToItkWasmString());
        writer.WriteString("cellPixelType", type.CellPixelType.ToItkWasmString());
        writer.WriteNumber("cellPixelComponents", type.CellPixelComponents);
        writer.WriteEndObject();
    }

    /// <summary>Writes <paramref name="type"/> as the object <paramref name="name"/>.</summary>
    public static void Write(Utf8JsonWriter writer, string name, PointSetType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        writer.WriteStartObject(name);
        WritePointFields(writer, type);
        writer.WriteEndObject();
    }

    /// <summary>Writes <paramref name="type"/> as the object <paramref name="name"/>.</summary>
    public static void Write(Utf8JsonWriter writer, string name, PolyDataType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        writer.WriteStartObject(name);
        writer.WriteString("pointPixelComponentType", type.PointPixelComponentType.ToItkWasmString());
        writer.WriteString("pointPixelType", type.PointPixelType.ToItkWasmString());
        writer.WriteNumber("pointPixelComponents", type.PointPixelComponents);
        writer.WriteString("cellPixelComponentType", type.CellPixelComponentType.ToItkWasmString());
        writer.WriteString("cellPixelType", type.CellPixelType.ToItkWasmString());
        writer.WriteNumber("cellPixelComponents", type.CellPixelComponents);
        writer.WriteEndObject();
    }

    /// <summary>Reads an <c>imageType</c> object.</summary>
    public static ImageType ReadImageType(JsonElement e)
    {
        var t = new ImageType();
        foreach (var p in Properties(e, "imageType"))
        {
            t = p.Name switch
            {
                "dimension" => t with { Dimension = Count(p) },
                "componentType" => t with { ComponentType = Component(p) },
                "pixelType" => t with { PixelType = Pixel(p) },
                "components" => t with { Components = Count(p) },
                _ => t,
            };
        }

        return t;
    }

    /// <summary>Reads a <c>meshType</c> object.</summary>
    public static MeshType ReadMeshType(JsonElement e)
    {
        var points = ReadPointFields(e, "meshType");
        var t = new MeshType(points.Dimension, points.PointComponentType, points.PointPixelComponentType, points.PointPixelType, points.PointPixelComponents);
        foreach (var p in Properties(e, "meshType"))
        {
            t = p.Name switch
            {
                "cellComponentType" => t with { CellComponentType = Component(p) },
                "cellPixelComponentType" => t with { CellPixelComponentType = Component(p) },
                "cellPixelType" => t with { CellPixelType = Pixel(p) },
                "cellPixelComponents" => t with { CellPixelComponents = Count(p) },
                _ => t,
            };
        }

        return t;
    }

    /// <summary>Reads a <c>pointSetType</c> object.</summary>
    public static PointSetType ReadPointSetType(JsonElement e) => ReadPointFields(e, "pointSetType");

    /// <summary>Reads a <c>polyDataType</c> object.</summary>
    public static PolyDataType ReadPolyDataType(JsonElement e)
    {
        var t = new PolyDataType();
        foreach (var p in Properties(e, "polyDataType"))
        {
            t = p.Name switch
            {
                "pointPixelComponentType" => t with { PointPixelComponentType = Component(p) },
                "pointPixelType" => t with { PointPixelType = Pixel(p) },
                "pointPixelComponents" => t with { PointPixelComponents = Count(p) },
                "cellPixelComponentType" => t with { CellPixelComponentType = Component(p) },
                "cellPixelType" => t with { CellPixelType = Pixel(p) },
                "cellPixelComponents" => t with { CellPixelComponents = Count(p) },
                _ => t,
            };
        }

        return t;
    }

    /// <summary>Reads a <c>transformType</c> object; <c>parametersValueType</c> must be float32 or float64.</summary>
    public static TransformType ReadTransformType(JsonElement e)
    {
        var t = new TransformType(TransformParameterization.Identity);
        foreach (var p in Properties(e, "transformType"))
        {
            t = p.Name switch
            {
                "transformParameterization" => t with { TransformParameterization = Parameterization(p) },
                "parametersValueType" => t with { ParametersValueType = Component(p) },
                "inputDimension" => t with { InputDimension = Count(p) },
                "outputDimension" => t with { OutputDimension = Count(p) },
                _ => t,
            };
        }

        return t.ParametersValueType is ComponentType.Float32 or ComponentType.Float64
            ? t
            : throw new FormatException("parametersValueType must be float32 or float64");
    }

    /// <summary>Writes <paramref name="type"/>'s fields into the object being written (no enclosing object), so
    /// callers can add their own fields beside them.</summary>
    public static void WriteFields(Utf8JsonWriter writer, TransformType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        writer.WriteString("transformParameterization", type.TransformParameterization.ToItkWasmString());
        writer.WriteString("parametersValueType", type.ParametersValueType.ToItkWasmString());
        writer.WriteNumber("inputDimension", type.InputDimension);
        writer.WriteNumber("outputDimension", type.OutputDimension);
    }

    /// <summary>Writes <paramref name="type"/> as the object <paramref name="name"/>.</summary>
    public static void Write(Utf8JsonWriter writer, string name, TransformType type)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject(name);
        WriteFields(writer, type);
        writer.WriteEndObject();
    }

    /// <summary>Writes the fields every form of a transform entry starts with, in ITK-Wasm's order
    /// (<c>include/itkTransformJSON.h</c>): the type, the parameter counts and the names, into the object being written.</summary>
    public static void WriteTransformHeader(Utf8JsonWriter writer, Transform transform)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(transform);
        Write(writer, "transformType", transform.TransformType);
        writer.WriteNumber("numberOfFixedParameters", transform.NumberOfFixedParameters);
        writer.WriteNumber("numberOfParameters", transform.NumberOfParameters);
        writer.WriteString("name", transform.Name);
        writer.WriteString("inputSpaceName", transform.InputSpaceName);
        writer.WriteString("outputSpaceName", transform.OutputSpaceName);
    }

    private static JsonElement.ObjectEnumerator Properties(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object ? e.EnumerateObject() : throw new FormatException($"\"{name}\" must be an object");

    private static int Count(JsonProperty p) =>
        p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var v) && v >= 0
            ? v
            : throw new FormatException($"\"{p.Name}\" must be a non-negative integer, not {p.Value.GetRawText()}");

    private static string Text(JsonProperty p) => p.Value.ValueKind == JsonValueKind.String
        ? p.Value.GetString()!
        : throw new FormatException($"\"{p.Name}\" must be a string, not {p.Value.GetRawText()}");

    private static ComponentType Component(JsonProperty p) =>
        ItkWasmEnums.TryParseComponentType(Text(p), out var t) ? t : throw new FormatException($"unknown component type \"{Text(p)}\" in \"{p.Name}\"");

    private static PixelType Pixel(JsonProperty p) =>
        ItkWasmEnums.TryParsePixelType(Text(p), out var t) ? t : throw new FormatException($"unknown pixel type \"{Text(p)}\" in \"{p.Name}\"");

    private static TransformParameterization Parameterization(JsonProperty p) =>
        ItkWasmEnums.TryParseTransformParameterization(Text(p), out var t)
            ? t
            : throw new FormatException($"unknown transform parameterization \"{Text(p)}\"");

    private static PointSetType PointFields(MeshType t) =>
        new(t.Dimension, t.PointComponentType, t.PointPixelComponentType, t.PointPixelType, t.PointPixelComponents);

    private static void WritePointFields(Utf8JsonWriter writer, PointSetType type)
    {
        writer.WriteNumber("dimension", type.Dimension);
        writer.WriteString("pointComponentType", type.PointComponentType.ToItkWasmString());
        writer.WriteString("pointPixelComponentType", type.PointPixelComponentType.ToItkWasmString());
        writer.WriteString("pointPixelType", type.PointPixelType.ToItkWasmString());
        writer.WriteNumber("pointPixelComponents", type.PointPixelComponents);
    }

    private static PointSetType ReadPointFields(JsonElement e, string name)
    {
        var t = new PointSetType();
        foreach (var p in Properties(e, name))
        {
            t = p.Name switch
            {
                "dimension" => t with { Dimension = Count(p) },
                "pointComponentType" => t with { PointComponentType = Component(p) },
                "pointPixelComponentType" => t with { PointPixelComponentType = Component(p) },
                "pointPixelType" => t with { PointPixelType = Pixel(p) },
                "pointPixelComponents" => t with { PointPixelComponents = Count(p) },
                _ => t,
            };
        }

        return t;
    }
}
