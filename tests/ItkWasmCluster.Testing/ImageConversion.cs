using ItkWasm;

namespace ItkWasmCluster.Testing;

/// <summary>Turns real images into the pixel types genuine pipelines are instantiated for.</summary>
public static class ImageConversion
{
    /// <summary>Returns <paramref name="source"/>'s pixels as float64 <c>VariableLengthVector</c>s with the same
    /// components (RGB, complex, …), as vector-magnitude (5.4.2) is instantiated for.</summary>
    public static Image ToFloat64Vector(Image source) =>
        Convert(source, ComponentType.Float64, PixelType.VariableLengthVector, source.ImageType.Components, (values, i, v) => values.AsSpan<double>(i, 1)[0] = v);

    /// <summary>Returns <paramref name="source"/>'s scalar pixels as float64, as compare-double-images takes them.</summary>
    public static Image ToFloat64Scalar(Image source) =>
        Convert(source, ComponentType.Float64, PixelType.Scalar, 1, (values, i, v) => values.AsSpan<double>(i, 1)[0] = v);

    private static Image Convert(Image source, ComponentType component, PixelType pixel, int components, Action<DataBuffer, long, double> set)
    {
        var count = source.Size.Aggregate(1L, (a, b) => a * b) * components;
        var image = new Image(source.ImageType with { ComponentType = component, PixelType = pixel, Components = components })
        {
            Name = source.Name,
            Size = source.Size,
            Origin = source.Origin,
            Spacing = source.Spacing,
            Direction = source.Direction,
        };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(count * (component == ComponentType.Float32 ? 4 : 8));
        for (long i = 0; i < count; i++)
        {
            set(image.Data, i, Component(source, i));
        }

        return image;
    }

    /// <summary>Returns component <paramref name="i"/> of <paramref name="source"/>'s pixel buffer as a double (exact but
    /// for 64-bit integers beyond 2⁵³).</summary>
    public static double Component(Image source, long i) => source.ImageType.ComponentType switch
    {
        ComponentType.Int8 => source.Data.AsSpan<sbyte>(i, 1)[0],
        ComponentType.UInt8 => source.Data.AsSpan<byte>(i, 1)[0],
        ComponentType.Int16 => source.Data.AsSpan<short>(i, 1)[0],
        ComponentType.UInt16 => source.Data.AsSpan<ushort>(i, 1)[0],
        ComponentType.Int32 => source.Data.AsSpan<int>(i, 1)[0],
        ComponentType.UInt32 => source.Data.AsSpan<uint>(i, 1)[0],
        ComponentType.Int64 => source.Data.AsSpan<long>(i, 1)[0],
        ComponentType.UInt64 => source.Data.AsSpan<ulong>(i, 1)[0],
        ComponentType.Float32 => source.Data.AsSpan<float>(i, 1)[0],
        _ => source.Data.AsSpan<double>(i, 1)[0],
    };
}
