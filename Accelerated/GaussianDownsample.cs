using System.Numerics;
using System.Numerics.Tensors;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <c>@itk-wasm/downsample</c> 2.0.2's <c>downsample</c> (<c>packages/downsample/downsample.cxx</c>), vectorized with
/// <see cref="TensorPrimitives"/>: ITK's <c>DiscreteGaussianImageFilter</c>, then a <c>ResampleImageFilter</c> with
/// linear interpolation onto the coarse grid. Each step follows the ITK source:
/// <list type="bullet">
/// <item>Smoothing: per axis the variance <c>σ²</c> in pixels (image spacing not used), with
/// <c>σ = √((f² − 1) / 5.545177444479562)</c> (<c>downsampleSigma.h</c>: the FWHM of the smoothing matches the
/// shrink factor), a kernel from <see cref="GaussianOperator"/> (maximum error 0.01, half width at most 32 terms),
/// applied one axis at a time from the last axis to axis 0, each sum taken in <see cref="double"/> in kernel order with
/// edges extended (zero-flux Neumann), and each pass's result stored in the pixel type (integers truncated), as ITK's
/// intermediate images are.</item>
/// <item>Grid: size <c>⌊(size − 2·crop) / f⌋</c>, spacing <c>spacing · f</c>, origin the physical point of the input's
/// continuous index <c>crop + (f − 1) / 2</c> (the centre of the first bin, as <c>BinShrinkImageFilter</c>; direction
/// applied), direction unchanged.</item>
/// <item>Sampling: each output line's ends mapped to input continuous indices as ITK's <c>ImageBase</c> does, points
/// between them by <c>start + α·(end − start)</c> (ITK's linear-transform path), then ITK's
/// <c>LinearInterpolateImageFunction</c> (axis 0 first); values outside the type's range clamped, integers truncated.</item>
/// </list>
/// Scalar 2D and 3D images of every component type. The results match the module's within the tolerances the tests
/// state: the arithmetic is the same, and what can differ is the last bit of the inverse of the index-to-physical
/// matrix (ITK inverts it by SVD) on images whose direction is not the identity.
/// </summary>
public static class GaussianDownsample
{
    /// <summary>The denominator of <c>downsampleSigma.h</c>: <c>(2·√(2·ln 2))²</c>.</summary>
    private const double SigmaDenominator = 5.545177444479562;

    /// <summary>Returns the output of downsampling <paramref name="input"/> without its pixels (an empty pixel
    /// buffer): type, size, spacing, origin and direction. The caller disposes it.</summary>
    /// <exception cref="ArgumentException">The image is not 2D or 3D; a factor is below 1; the factor or crop counts
    /// are not the dimension; or an axis keeps no pixel after cropping and shrinking.</exception>
    public static Image OutputInformation(Image input, IReadOnlyList<int> factors, IReadOnlyList<int> crop)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(crop);
        var d = input.ImageType.Dimension;
        if (d is < 2 or > 3)
        {
            throw new ArgumentException($"this implementation of downsample takes 2D and 3D images, not {d}D", nameof(input));
        }

        if (factors.Count != d || factors.Any(f => f < 1))
        {
            throw new ArgumentException($"shrink factors must be {d} integers of at least 1 (one per axis), not [{string.Join(", ", factors)}]", nameof(factors));
        }

        if (crop.Count != d || crop.Any(c => c < 0))
        {
            throw new ArgumentException($"the crop radius must be {d} integers of at least 0 (one per axis), not [{string.Join(", ", crop)}]", nameof(crop));
        }

        var size = new long[d];
        var spacing = new double[d];
        var originIndex = new double[d];
        for (var i = 0; i < d; i++)
        {
            var kept = input.Size[i] - (2.0 * crop[i]);
            size[i] = kept < 0 ? 0 : (long)(kept / factors[i]);
            if (size[i] < 1)
            {
                throw new ArgumentException($"the image is too small: axis {i} has {input.Size[i]} pixels, which leave no output pixel with crop radius {crop[i]} and shrink factor {factors[i]}", nameof(factors));
            }

            spacing[i] = input.Spacing[i] * factors[i];
            originIndex[i] = crop[i] + ((factors[i] - 1.0) / 2.0);
        }

        return new Image(input.ImageType)
        {
            Size = size,
            Spacing = spacing,
            Origin = ImageGeometry.PhysicalPoint(input, originIndex),
            Direction = (double[])input.Direction.Clone(),
        };
    }

    /// <summary>Downsamples <paramref name="input"/> (scalar, 2D or 3D; the caller keeps owning it) into a new image
    /// the caller disposes.</summary>
    /// <exception cref="ArgumentException">See <see cref="OutputInformation"/>; or the image is not scalar, or has
    /// 2³¹ pixels or more.</exception>
    public static Image Run(Image input, IReadOnlyList<int> factors, IReadOnlyList<int> crop)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ImageType.Components != 1)
        {
            throw new ArgumentException($"this implementation of downsample takes scalar images; this one has {input.ImageType.Components} components per pixel", nameof(input));
        }

        if (input.PixelCount >= Array.MaxLength)
        {
            throw new ArgumentException($"the image has {input.PixelCount} pixels; this implementation takes fewer than {Array.MaxLength}", nameof(input));
        }

        var output = OutputInformation(input, factors, crop);
        try
        {
            output.Data = DataBuffer.Allocate(output.ByteLength);
            var smoothed = Smooth(input, Kernels(factors));
            var ends = ImageGeometry.ScanlineEnds(input, output);
            switch (input.ImageType.ComponentType)
            {
                case ComponentType.Int8: Resample<sbyte>(smoothed, input, output, ends); break;
                case ComponentType.UInt8: Resample<byte>(smoothed, input, output, ends); break;
                case ComponentType.Int16: Resample<short>(smoothed, input, output, ends); break;
                case ComponentType.UInt16: Resample<ushort>(smoothed, input, output, ends); break;
                case ComponentType.Int32: Resample<int>(smoothed, input, output, ends); break;
                case ComponentType.UInt32: Resample<uint>(smoothed, input, output, ends); break;
                case ComponentType.Int64: Resample<long>(smoothed, input, output, ends); break;
                case ComponentType.UInt64: Resample<ulong>(smoothed, input, output, ends); break;
                case ComponentType.Float32: Resample<float>(smoothed, input, output, ends); break;
                default: Resample<double>(smoothed, input, output, ends); break;
            }

            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    /// <summary>The smoothing kernel of each axis for <paramref name="factors"/> (<c>downsampleSigma.h</c>, then
    /// <c>SetSigmaArray</c>, which squares σ into the variance).</summary>
    internal static double[][] Kernels(IReadOnlyList<int> factors) =>
    [
        .. factors.Select(f =>
        {
            var sigma = Math.Sqrt(((uint)f * (uint)f - 1) / SigmaDenominator);
            return GaussianOperator.Coefficients(sigma * sigma);
        }),
    ];

    // The smoothed image, in double, holding values of the pixel type: ITK keeps the result of every pass in an image of
    // the output pixel type (DiscreteGaussianImageFilter's RealOutputImageType is Image<OutputPixelType>), so each pass
    // converts to it and back.
    private static double[] Smooth(Image input, double[][] kernels)
    {
        var n = checked((int)input.PixelCount);
        var a = GC.AllocateUninitializedArray<double>(n);
        var b = GC.AllocateUninitializedArray<double>(n);
        ToDouble(input, a);
        for (var axis = kernels.Length - 1; axis >= 0; axis--)
        {
            Convolve(a, b, input.Size, axis, kernels[axis]);
            RoundToPixelType(b, input.ImageType.ComponentType);
            (a, b) = (b, a);
        }

        return a;
    }

    private static void ToDouble(Image input, Span<double> to)
    {
        switch (input.ImageType.ComponentType)
        {
            case ComponentType.Int8: TensorPrimitives.ConvertTruncating<sbyte, double>(input.Data.AsSpan<sbyte>(0, to.Length), to); break;
            case ComponentType.UInt8: TensorPrimitives.ConvertTruncating<byte, double>(input.Data.AsSpan<byte>(0, to.Length), to); break;
            case ComponentType.Int16: TensorPrimitives.ConvertTruncating<short, double>(input.Data.AsSpan<short>(0, to.Length), to); break;
            case ComponentType.UInt16: TensorPrimitives.ConvertTruncating<ushort, double>(input.Data.AsSpan<ushort>(0, to.Length), to); break;
            case ComponentType.Int32: TensorPrimitives.ConvertTruncating<int, double>(input.Data.AsSpan<int>(0, to.Length), to); break;
            case ComponentType.UInt32: TensorPrimitives.ConvertTruncating<uint, double>(input.Data.AsSpan<uint>(0, to.Length), to); break;
            case ComponentType.Int64: TensorPrimitives.ConvertTruncating<long, double>(input.Data.AsSpan<long>(0, to.Length), to); break;
            case ComponentType.UInt64: TensorPrimitives.ConvertTruncating<ulong, double>(input.Data.AsSpan<ulong>(0, to.Length), to); break;
            case ComponentType.Float32: TensorPrimitives.ConvertTruncating<float, double>(input.Data.AsSpan<float>(0, to.Length), to); break;
            default: input.Data.AsSpan<double>(0, to.Length).CopyTo(to); break;
        }
    }

    // One pass of ITK's NeighborhoodOperatorImageFilter along an axis: to = Σₖ w[k] · from[clamp(j + k − r)], each sum
    // started at 0 and taken in kernel order, lines of the other axes side by side as vectors.
    private static void Convolve(double[] from, double[] to, long[] size, int axis, double[] w)
    {
        var r = w.Length / 2;
        var n = (int)size[axis];
        var inner = 1;
        for (var i = 0; i < axis; i++)
        {
            inner *= (int)size[i];
        }

        var outer = from.Length / inner / n;
        if (axis == 0)
        {
            var padded = new double[n + (2 * r)];
            for (var o = 0; o < outer; o++)
            {
                var line = from.AsSpan(o * n, n);
                padded.AsSpan(0, r).Fill(line[0]);
                line.CopyTo(padded.AsSpan(r));
                padded.AsSpan(r + n).Fill(line[^1]);
                var sum = to.AsSpan(o * n, n);
                sum.Clear();
                for (var k = 0; k < w.Length; k++)
                {
                    TensorPrimitives.MultiplyAdd(padded.AsSpan(k, n), w[k], sum, sum);
                }
            }

            return;
        }

        for (var o = 0; o < outer; o++)
        {
            for (var j = 0; j < n; j++)
            {
                var sum = to.AsSpan(((o * n) + j) * inner, inner);
                sum.Clear();
                for (var k = 0; k < w.Length; k++)
                {
                    var at = Math.Clamp(j + k - r, 0, n - 1);
                    TensorPrimitives.MultiplyAdd(from.AsSpan(((o * n) + at) * inner, inner), w[k], sum, sum);
                }
            }
        }
    }

    private static void RoundToPixelType(Span<double> values, ComponentType type)
    {
        switch (type)
        {
            case ComponentType.Int8: RoundTo<sbyte>(values); break;
            case ComponentType.UInt8: RoundTo<byte>(values); break;
            case ComponentType.Int16: RoundTo<short>(values); break;
            case ComponentType.UInt16: RoundTo<ushort>(values); break;
            case ComponentType.Int32: RoundTo<int>(values); break;
            case ComponentType.UInt32: RoundTo<uint>(values); break;
            case ComponentType.Int64: RoundTo<long>(values); break;
            case ComponentType.UInt64: RoundTo<ulong>(values); break;
            case ComponentType.Float32: RoundTo<float>(values); break;
            default: break;
        }
    }

    // static_cast<T>(value) and back: truncation for integers, the nearest float for float32.
    private static void RoundTo<T>(Span<double> values)
        where T : unmanaged, INumberBase<T>
    {
        Span<T> buffer = stackalloc T[256];
        for (var at = 0; at < values.Length; at += buffer.Length)
        {
            var part = values.Slice(at, Math.Min(buffer.Length, values.Length - at));
            var typed = buffer[..part.Length];
            TensorPrimitives.ConvertTruncating<double, T>(part, typed);
            TensorPrimitives.ConvertTruncating<T, double>(typed, part);
        }
    }

    private static void Resample<T>(double[] smoothed, Image input, Image output, double[] ends)
        where T : unmanaged, INumberBase<T>
    {
        var grid = LinearInterpolation.SampleGrid.For(input, output);
        var size0 = (int)output.Size[0];
        var line = new double[size0];
        for (long l = 0; l < output.PixelCount / size0; l++)
        {
            for (var x = 0; x < size0; x++)
            {
                line[x] = LinearInterpolation.Sample(new ArrayValues(smoothed), new ArrayValues(ends), grid, l, x);
            }

            TensorPrimitives.ConvertTruncating<double, T>(line, output.Data.AsSpan<T>(l * size0, size0));
        }
    }
}
