using System.Text.Json;

namespace ItkWasm;

/// <summary>
/// Writes the type records as ITK-Wasm's JSON objects (<c>imageType</c>, <c>meshType</c>, <c>transformType</c>), with
/// its key order and enum strings (ITKWASM-SPEC §2.2, §2.3, §2.6). The same shapes appear in <c>index.json</c> files,
/// in pipeline inputs and outputs, and in the command line's summaries.
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
        writer.WriteNumber("dimension", type.Dimension);
        writer.WriteString("pointComponentType", type.PointComponentType.ToItkWasmString());
        writer.WriteString("pointPixelComponentType", type.PointPixelComponentType.ToItkWasmString());
        writer.WriteString("pointPixelType", type.PointPixelType.ToItkWasmString());
        writer.WriteNumber("pointPixelComponents", type.PointPixelComponents);
        writer.WriteString("cellComponentType", type.CellComponentType.ToItkWasmString());
        writer.WriteString("cellPixelComponentType", type.CellPixelComponentType.ToItkWasmString());
        writer.WriteString("cellPixelType", type.CellPixelType.ToItkWasmString());
        writer.WriteNumber("cellPixelComponents", type.CellPixelComponents);
        writer.WriteEndObject();
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
}
