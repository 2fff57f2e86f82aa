using System.Numerics;
using System.Numerics.Tensors;
using ItkWasm.Chunks;

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
/// Scalar 2D and 3D images of every component type. The arithmetic is the module's, so the results are bit-identical
/// to it on images whose direction is the identity (any spacing and origin). On other images the inverse of the
/// index-to-physical matrix (ITK's comes from an SVD) can differ in its last bits, and so can a sample's position: the
/// tests hold the results to ±1 for integer types, and for floating-point types to one ulp of the value or 10⁻¹² of the
/// input's largest magnitude.
/// </summary>
public static class GaussianDownsample
{
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
            var kernels = Kernels(factors);
            var ends = ImageGeometry.ScanlineEnds(input, output);
            switch (input.ImageType.ComponentType)
            {
                case ComponentType.Int8: Downsample<sbyte>(input, output, kernels, ends); break;
                case ComponentType.UInt8: Downsample<byte>(input, output, kernels, ends); break;
                case ComponentType.Int16: Downsample<short>(input, output, kernels, ends); break;
                case ComponentType.UInt16: Downsample<ushort>(input, output, kernels, ends); break;
                case ComponentType.Int32: Downsample<int>(input, output, kernels, ends); break;
                case ComponentType.UInt32: Downsample<uint>(input, output, kernels, ends); break;
                case ComponentType.Int64: Downsample<long>(input, output, kernels, ends); break;
                case ComponentType.UInt64: Downsample<ulong>(input, output, kernels, ends); break;
                case ComponentType.Float32: Downsample<float>(input, output, kernels, ends); break;
                default: Downsample<double>(input, output, kernels, ends); break;
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
    internal static double[][] Kernels(IReadOnlyList<int> factors) => [.. factors.Select(GaussianOperator.ForShrinkFactor)];

    private static void Downsample<T>(Image input, Image output, double[][] kernels, double[] ends)
        where T : unmanaged, INumberBase<T>
    {
        // ITK keeps the result of every pass in an image of the pixel type (DiscreteGaussianImageFilter's
        // RealOutputImageType is Image<OutputPixelType>): so do these buffers.
        var n = (int)input.PixelCount;
        var pool = System.Buffers.ArrayPool<T>.Shared;
        var (a, b) = (pool.Rent(n), kernels.Length > 1 ? pool.Rent(n) : []);
        try
        {
            ReadOnlySpan<T> from = input.Data.AsSpan<T>(0, n);
            var to = a;
            for (var axis = kernels.Length - 1; axis >= 0; axis--)
            {
                Convolve(from, to.AsSpan(0, n), input.Size, axis, kernels[axis]);
                from = to.AsSpan(0, n);
                to = to == a ? b : a;
            }

            Resample(new TypedValues<T>(to == a ? b : a), input, output, ends);
        }
        finally
        {
            pool.Return(a);
            if (b.Length > 0)
            {
                pool.Return(b);
            }
        }
    }

    // One pass of ITK's NeighborhoodOperatorImageFilter along an axis: to = Σₖ w[k] · from[clamp(j + k − r)], each sum
    // started at 0 and taken in kernel order in double, then stored in the pixel type. Lines of the other axes go side
    // by side as vectors, a tile at a time so that the 2r + 1 input rows a tile needs stay in cache.
    private static void Convolve<T>(ReadOnlySpan<T> from, Span<T> to, long[] size, int axis, double[] w)
        where T : unmanaged, INumberBase<T>
    {
        const int Tile = 1024;
        var r = w.Length / 2;
        var n = (int)size[axis];
        var inner = 1;
        for (var i = 0; i < axis; i++)
        {
            inner *= (int)size[i];
        }

        var outer = from.Length / inner / n;
        var sum = new double[Math.Min(Tile, Math.Max(inner, n))];
        if (axis == 0)
        {
            var padded = new double[n + (2 * r)];
            for (var o = 0; o < outer; o++)
            {
                var line = padded.AsSpan(r, n);
                TensorPrimitives.ConvertTruncating(from.Slice(o * n, n), line);
                padded.AsSpan(0, r).Fill(line[0]);
                padded.AsSpan(r + n).Fill(line[^1]);
                for (var start = 0; start < n; start += Tile)
                {
                    var length = Math.Min(Tile, n - start);
                    var s = sum.AsSpan(0, length);
                    s.Clear();
                    for (var k = 0; k < w.Length; k++)
                    {
                        TensorPrimitives.MultiplyAdd(padded.AsSpan(start + k, length), w[k], s, s);
                    }

                    TensorPrimitives.ConvertTruncating<double, T>(s, to.Slice((o * n) + start, length));
                }
            }

            return;
        }

        // The rows of the current tile, converted to double: row 'at' in slot at % (2r + 1), which 'held' names.
        var rows = new double[w.Length][];
        var held = new int[w.Length];
        for (var k = 0; k < w.Length; k++)
        {
            rows[k] = new double[Math.Min(Tile, inner)];
        }

        for (var o = 0; o < outer; o++)
        {
            for (var start = 0; start < inner; start += Tile)
            {
                var length = Math.Min(Tile, inner - start);
                held.AsSpan().Fill(-1);
                var s = sum.AsSpan(0, length);
                for (var j = 0; j < n; j++)
                {
                    s.Clear();
                    for (var k = 0; k < w.Length; k++)
                    {
                        var at = Math.Clamp(j + k - r, 0, n - 1);
                        var slot = at % w.Length;
                        if (held[slot] != at)
                        {
                            TensorPrimitives.ConvertTruncating(from.Slice((((o * n) + at) * inner) + start, length), rows[slot].AsSpan(0, length));
                            held[slot] = at;
                        }

                        TensorPrimitives.MultiplyAdd(rows[slot].AsSpan(0, length), w[k], s, s);
                    }

                    TensorPrimitives.ConvertTruncating<double, T>(s, to.Slice((((o * n) + j) * inner) + start, length));
                }
            }
        }
    }

    private static void Resample<T>(TypedValues<T> smoothed, Image input, Image output, double[] ends)
        where T : unmanaged, INumberBase<T>
    {
        var grid = LinearInterpolation.SampleGrid.For(input, output);
        var size0 = (int)output.Size[0];
        var line = new double[size0];
        for (long l = 0; l < output.PixelCount / size0; l++)
        {
            for (var x = 0; x < size0; x++)
            {
                line[x] = LinearInterpolation.Sample(smoothed, new ArrayValues(ends), grid, l, x);
            }

            TensorPrimitives.ConvertTruncating<double, T>(line, output.Data.AsSpan<T>(l * size0, size0));
        }
    }

    // Pixels of the pixel type, read as double.
    private readonly struct TypedValues<T>(T[] values) : IValues
        where T : unmanaged, INumberBase<T>
    {
        public double At(long index) => double.CreateTruncating(values[index]);
    }
}
