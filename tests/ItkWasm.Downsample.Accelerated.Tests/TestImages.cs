using System.Globalization;

namespace ItkWasm.Downsample.Accelerated.Tests;

/// <summary>Synthetic images and pixel comparisons for the override tests.</summary>
internal static class TestImages
{
    // A shared-data image: ITK-Wasm's directory form (.iwi) directly, other formats through the image-io modules.
    public static async Task<Image> ReadAsync(ItkWasm.Runtime.Node.NodeWasmRuntime runtime, string file)
    {
        var path = SharedData.Path(file);
        return Directory.Exists(path) ? ItkWasm.IO.ImageFile.Read(path) : await new ItkWasm.Pipelines.ImageIo(runtime).ReadAsync(path);
    }

    // Byte for byte, except that any NaN equals any NaN (payloads and signs of NaNs differ between WebAssembly and x64).
    public static bool SamePixels(Image expected, Image actual) => expected.ImageType.ComponentType switch
    {
        ComponentType.Float32 => expected.Data.ToArray<float>().SequenceEqual(actual.Data.ToArray<float>(), new NanEqual<float>()),
        ComponentType.Float64 => expected.Data.ToArray<double>().SequenceEqual(actual.Data.ToArray<double>(), new NanEqual<double>()),
        _ => expected.Data.ContentEquals(actual.Data),
    };

    /// <summary>Whether every pixel of <paramref name="actual"/> is within the stated tolerance of
    /// <paramref name="expected"/>: 1 for integer types; for float32 one unit in the last place of the expected value,
    /// for both floating-point types 10⁻¹² of the largest finite magnitude in <paramref name="input"/>, whichever is
    /// larger. Also returns the worst pixel.</summary>
    public static (bool Within, string Worst) WithinTolerance(Image input, Image expected, Image actual)
    {
        var type = expected.ImageType.ComponentType;
        var integer = type is not (ComponentType.Float32 or ComponentType.Float64);
        var range = 0.0;
        for (long p = 0; p < input.PixelCount; p++)
        {
            var v = Math.Abs(ImageConversion.Component(input, p));
            range = double.IsFinite(v) ? Math.Max(range, v) : range;
        }

        var (within, worst, worstExcess) = (true, "no pixel differs", 0.0);
        for (long p = 0; p < expected.PixelCount; p++)
        {
            var (e, a) = (ImageConversion.Component(expected, p), ImageConversion.Component(actual, p));
            if (e == a || (double.IsNaN(e) && double.IsNaN(a)))
            {
                continue;
            }

            var tolerance = integer ? 1.0 : Math.Max(1e-12 * range, type == ComponentType.Float32 ? MathF.BitIncrement(MathF.Abs((float)e)) - MathF.Abs((float)e) : 0.0);
            var excess = Math.Abs(e - a) / tolerance;
            if (excess > worstExcess)
            {
                (worstExcess, worst) = (excess, $"pixel {p}: {e.ToString("R", CultureInfo.InvariantCulture)} expected, {a.ToString("R", CultureInfo.InvariantCulture)} actual, {excess:F2} times the tolerance {tolerance:G3}");
            }

            within &= excess <= 1.0;
        }

        return (within, worst);
    }

    public static string FirstDifference(Image expected, Image actual)
    {
        var e = expected.Data.AsSpan();
        var a = actual.Data.AsSpan();
        var size = expected.ByteLength / expected.PixelCount;
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
        {
            if (e[i] != a[i])
            {
                var p = i / size;
                return $"pixel {p}: {Value(expected, p)} expected, {Value(actual, p)} actual";
            }
        }

        return $"lengths {e.Length} and {a.Length}";
    }

    public static string Value(Image image, long p) => image.ImageType.ComponentType switch
    {
        ComponentType.Float32 => image.Data.AsSpan<float>(p, 1)[0].ToString("R", CultureInfo.InvariantCulture),
        ComponentType.Float64 => image.Data.AsSpan<double>(p, 1)[0].ToString("R", CultureInfo.InvariantCulture),
        ComponentType.UInt32 => image.Data.AsSpan<uint>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        ComponentType.Int32 => image.Data.AsSpan<int>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        ComponentType.Int64 => image.Data.AsSpan<long>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        ComponentType.UInt64 => image.Data.AsSpan<ulong>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        _ => "?",
    };

    // A ramp with negative values for signed types and values near the top of each type's range, with a rotated
    // direction and an offset origin, so that the grid and the rounding are both exercised.
    public static Image Synthetic(ComponentType type, long[] size)
    {
        var d = size.Length;
        var image = new Image(new ImageType(d, type))
        {
            Size = size,
            Spacing = [.. Enumerable.Range(0, d).Select(i => 0.5 + i)],
            Origin = [.. Enumerable.Range(0, d).Select(i => -3.25 * (i + 1))],
        };
        var (c, s) = (Math.Cos(0.3), Math.Sin(0.3));
        image.Direction[0] = c;
        image.Direction[1] = -s;
        image.Direction[d] = s;
        image.Direction[d + 1] = c;
        image.Data = DataBuffer.Allocate(image.ByteLength);
        for (long i = 0; i < image.PixelCount; i++)
        {
            var v = ((i * 37) % 101) - 50 + (i % 7 * 0.25);
            switch (type)
            {
                case ComponentType.Int8: image.Data.AsSpan<sbyte>(i, 1)[0] = (sbyte)(v * 2.5); break;
                case ComponentType.UInt8: image.Data.AsSpan<byte>(i, 1)[0] = (byte)(v + 120); break;
                case ComponentType.Int16: image.Data.AsSpan<short>(i, 1)[0] = (short)(v * 655); break;
                case ComponentType.UInt16: image.Data.AsSpan<ushort>(i, 1)[0] = (ushort)((v + 51) * 1290); break;
                case ComponentType.Int32: image.Data.AsSpan<int>(i, 1)[0] = (int)(v * 4.2e7); break;
                case ComponentType.UInt32: image.Data.AsSpan<uint>(i, 1)[0] = (uint)((v + 51) * 2.1e7); break; // means below 2³¹: see UInt32MeansOf2To31AndAbove
                case ComponentType.Int64: image.Data.AsSpan<long>(i, 1)[0] = (long)(v * 1e12) + 3; break;
                case ComponentType.UInt64: image.Data.AsSpan<ulong>(i, 1)[0] = (ulong)((v + 51) * 1e12) + 1; break;
                case ComponentType.Float32: image.Data.AsSpan<float>(i, 1)[0] = (float)(v / 3.0); break;
                default: image.Data.AsSpan<double>(i, 1)[0] = v / 3.0; break;
            }
        }

        return image;
    }

    private sealed class NanEqual<T> : IEqualityComparer<T>
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        public bool Equals(T? x, T? y) => (T.IsNaN(x!) && T.IsNaN(y!)) || BitEquals(x!, y!);

        public int GetHashCode(T obj) => 0;

        private static bool BitEquals(T x, T y) => x == y && T.IsNegative(x) == T.IsNegative(y);
    }

}
