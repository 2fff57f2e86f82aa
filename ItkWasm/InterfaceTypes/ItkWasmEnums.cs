using System.Collections.Frozen;

namespace ItkWasm;

/// <summary>
/// Converts the interface-type enumerations to and from ITK-Wasm's strings (ITKWASM-SPEC §2.1), and gives the size of
/// each <see cref="ComponentType"/>. Parsing is exact and case-sensitive, as in ITK-Wasm's glaze enums: numeric strings
/// and other spellings are rejected.
/// </summary>
public static class ItkWasmEnums
{
    private static readonly string[] ComponentTypeStrings =
        ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"];

    private static readonly FrozenDictionary<string, ComponentType> ComponentTypesByString =
        ComponentTypeStrings.Select((s, i) => (s, (ComponentType)i)).ToFrozenDictionary(p => p.s, p => p.Item2);

    private static readonly FrozenDictionary<string, PixelType> PixelTypesByString = ByName<PixelType>();

    private static readonly FrozenDictionary<string, TransformParameterization> ParameterizationsByString =
        ByName<TransformParameterization>();

    /// <summary>Returns the ITK-Wasm string of a component type, for example <c>"uint8"</c>.</summary>
    public static string ToItkWasmString(this ComponentType componentType) => ComponentTypeStrings[(int)componentType];

    /// <summary>Returns the ITK-Wasm string of a pixel type, for example <c>"VariableLengthVector"</c>.</summary>
    public static string ToItkWasmString(this PixelType pixelType) => pixelType.ToString();

    /// <summary>Returns the ITK-Wasm string of a transform parameterization, for example <c>"Rigid2D"</c>.</summary>
    public static string ToItkWasmString(this TransformParameterization parameterization) => parameterization.ToString();

    /// <summary>Parses a <c>componentType</c> string; returns <see langword="false"/> for any other string.</summary>
    public static bool TryParseComponentType(string? value, out ComponentType componentType) =>
        ComponentTypesByString.TryGetValue(value ?? string.Empty, out componentType);

    /// <summary>Parses a <c>pixelType</c> string; returns <see langword="false"/> for any other string.</summary>
    public static bool TryParsePixelType(string? value, out PixelType pixelType) =>
        PixelTypesByString.TryGetValue(value ?? string.Empty, out pixelType);

    /// <summary>Parses a <c>transformParameterization</c> string; returns <see langword="false"/> for any other string.</summary>
    public static bool TryParseTransformParameterization(string? value, out TransformParameterization parameterization) =>
        ParameterizationsByString.TryGetValue(value ?? string.Empty, out parameterization);

    /// <summary>Returns the size of one component, in bytes.</summary>
    public static int SizeInBytes(this ComponentType componentType) => componentType switch
    {
        ComponentType.Int8 or ComponentType.UInt8 => 1,
        ComponentType.Int16 or ComponentType.UInt16 => 2,
        ComponentType.Int32 or ComponentType.UInt32 or ComponentType.Float32 => 4,
        ComponentType.Int64 or ComponentType.UInt64 or ComponentType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(componentType), componentType, "Not a component type."),
    };

    private static FrozenDictionary<string, T> ByName<T>()
        where T : struct, Enum =>
        Enum.GetValues<T>().ToFrozenDictionary(v => v.ToString(), v => v, StringComparer.Ordinal);
}
