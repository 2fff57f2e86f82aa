namespace ItkWasm.Downsample.Accelerated;

/// <summary>Where <see cref="LinearInterpolation"/> reads values: host arrays, or device views in a kernel.</summary>
internal interface IValues
{
    /// <summary>Returns the value at <paramref name="index"/>.</summary>
    double At(long index);
}

/// <summary>
/// The resampling step of <c>downsample</c>, for one output pixel, written once for the SIMD implementation and the
/// ILGPU kernel: ITK's <c>ResampleImageFilter::LinearThreadedGenerateData</c> with the identity transform (a point
/// <c>start + α·(end − start)</c> between the continuous indices of its line's ends, <c>α = x / size₀</c>), ITK's
/// <c>LinearInterpolateImageFunction</c> there, and <c>CastPixelWithBoundsChecking</c>'s clamp to the pixel type's
/// range.
/// </summary>
internal static class LinearInterpolation
{
    /// <summary>Returns output pixel <paramref name="x"/> of output line <paramref name="line"/>, in double, clamped to
    /// the pixel type's range (the caller converts it). <paramref name="ends"/> holds each line's start and end
    /// continuous indices (<see cref="ImageGeometry.ScanlineEnds"/>).</summary>
    public static double Sample<TPixels, TEnds>(TPixels pixels, TEnds ends, SampleGrid g, long line, long x)
        where TPixels : struct, IValues
        where TEnds : struct, IValues
    {
        var alpha = x / (double)g.Size0;
        var at = line * 2 * g.Dimension;
        var i0 = ends.At(at) + (alpha * (ends.At(at + g.Dimension) - ends.At(at)));
        var i1 = ends.At(at + 1) + (alpha * (ends.At(at + g.Dimension + 1) - ends.At(at + 1)));
        var i2 = g.Dimension > 2 ? ends.At(at + 2) + (alpha * (ends.At(at + g.Dimension + 2) - ends.At(at + 2))) : 0.0;
        var value = Evaluate(pixels, g.N0, g.N1, g.N2, i0, i1, i2);
        return value <= g.Low ? g.Low : value >= g.High ? g.High : value;
    }

    /// <summary>ITK's <c>LinearInterpolateImageFunction</c> at a continuous index of a 2D or 3D image (a 2D image is
    /// one plane of a 3D one), with its <c>IsInsideBuffer</c> test: outside, the resample filter's default value, 0.
    /// Axis 0 is interpolated first, then 1, then 2; an axis whose distance is not positive, or whose next index is
    /// past the end, is not interpolated (the branches of ITK's <c>EvaluateOptimized</c>).</summary>
    public static double Evaluate<TPixels>(TPixels pixels, long n0, long n1, long n2, double i0, double i1, double i2)
        where TPixels : struct, IValues
    {
        if (!(i0 >= -0.5 && i0 < n0 - 0.5 && i1 >= -0.5 && i1 < n1 - 0.5 && i2 >= -0.5 && i2 < n2 - 0.5))
        {
            return 0.0;
        }

        var b0 = Math.Max((long)Math.Floor(i0), 0);
        var b1 = Math.Max((long)Math.Floor(i1), 0);
        var b2 = Math.Max((long)Math.Floor(i2), 0);
        var d0 = i0 - b0;
        var d1 = i1 - b1;
        var d2 = i2 - b2;
        var a0 = d0 > 0.0 && b0 + 1 <= n0 - 1;
        var a1 = d1 > 0.0 && b1 + 1 <= n1 - 1;
        var a2 = d2 > 0.0 && b2 + 1 <= n2 - 1;
        var at = (((b2 * n1) + b1) * n0) + b0;
        var low = Plane(pixels, at, n0, d0, a0, d1, a1);
        return a2 ? Lerp(low, Plane(pixels, at + (n0 * n1), n0, d0, a0, d1, a1), d2) : low;
    }

    private static double Plane<TPixels>(TPixels pixels, long at, long n0, double d0, bool a0, double d1, bool a1)
        where TPixels : struct, IValues
    {
        var low = Row(pixels, at, d0, a0);
        return a1 ? Lerp(low, Row(pixels, at + n0, d0, a0), d1) : low;
    }

    private static double Row<TPixels>(TPixels pixels, long at, double d0, bool a0)
        where TPixels : struct, IValues =>
        a0 ? Lerp(pixels.At(at), pixels.At(at + 1), d0) : pixels.At(at);

    private static double Lerp(double low, double high, double distance) => low + ((high - low) * distance);

    /// <summary>The sizes of the smoothed input (<c>N2 = 1</c> in 2D), the output line length, and the pixel type's
    /// range as ITK's resample filter clamps to it (<c>NonpositiveMin</c>, <c>max</c>).</summary>
    internal struct SampleGrid
    {
        public int Dimension;
        public long N0;
        public long N1;
        public long N2;
        public long Size0;
        public double Low;
        public double High;

        /// <summary>The grid for resampling <paramref name="input"/> onto <paramref name="output"/>.</summary>
        public static SampleGrid For(Image input, Image output)
        {
            var (low, high) = Range(input.ImageType.ComponentType);
            return new SampleGrid
            {
                Dimension = input.ImageType.Dimension,
                N0 = input.Size[0],
                N1 = input.Size[1],
                N2 = input.ImageType.Dimension > 2 ? input.Size[2] : 1,
                Size0 = output.Size[0],
                Low = low,
                High = high,
            };
        }

        private static (double Low, double High) Range(ComponentType type) => type switch
        {
            ComponentType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            ComponentType.UInt8 => (byte.MinValue, byte.MaxValue),
            ComponentType.Int16 => (short.MinValue, short.MaxValue),
            ComponentType.UInt16 => (ushort.MinValue, ushort.MaxValue),
            ComponentType.Int32 => (int.MinValue, int.MaxValue),
            ComponentType.UInt32 => (uint.MinValue, uint.MaxValue),
            ComponentType.Int64 => (long.MinValue, long.MaxValue),
            ComponentType.UInt64 => (ulong.MinValue, ulong.MaxValue),
            ComponentType.Float32 => (-float.MaxValue, float.MaxValue),
            _ => (-double.MaxValue, double.MaxValue),
        };
    }
}

/// <summary>Values in a host array.</summary>
internal readonly struct ArrayValues(double[] values) : IValues
{
    /// <inheritdoc/>
    public double At(long index) => values[index];
}
