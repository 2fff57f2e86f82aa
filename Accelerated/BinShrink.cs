using System.Numerics;
using System.Numerics.Tensors;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// ITK's <c>BinShrinkImageFilter</c> (<c>Modules/Filtering/ImageGrid/include/itkBinShrinkImageFilter.hxx</c>), which
/// <c>@itk-wasm/downsample</c>'s <c>downsample-bin-shrink</c> runs, vectorized with <see cref="TensorPrimitives"/>:
/// <list type="bullet">
/// <item>Output grid: size <c>floor(size / f)</c> per axis (at least 1), spacing <c>spacing · f</c>, origin the physical
/// point of the input's continuous index <c>(f − 1) / 2</c> (the centre of the first bin; direction applied), direction
/// unchanged.</item>
/// <item>Pixels: the mean of each bin of <c>f₀ × f₁ × …</c> input pixels, accumulated in <see cref="double"/> and
/// multiplied by <c>1 / (f₀ f₁ …)</c>; integer types are rounded half up (<c>floor(x + 0.5)</c>, ITK's
/// <c>Math::Round</c>), floating-point types converted to the nearest value.</item>
/// <item>Exactness: the sums are formed in ITK's order, so results are bit-identical to the module's, with two
/// differences. A NaN's payload and sign may differ (both are NaN). And ITK rounds through a signed integer: the
/// module gives 2147483648 for every <c>uint32</c> mean of 2³¹ or more, where this gives the mean.</item>
/// </list>
/// Scalar images of any dimension and component type; the caller checks the pixel type.
/// </summary>
public static class BinShrink
{
    /// <summary>Returns the output of shrinking <paramref name="input"/> by <paramref name="factors"/> without its
    /// pixels (an empty pixel buffer), as the pipeline's <c>--information-only</c> gives it: its type, size, spacing,
    /// origin and direction. The caller disposes it.</summary>
    /// <exception cref="ArgumentException">A factor is below 1, their count is not the dimension, or an axis is
    /// shorter than its factor (ITK: "InputImage is too small! An output pixel does not map to a whole input
    /// bin.").</exception>
    public static Image OutputInformation(Image input, IReadOnlyList<int> factors)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(factors);
        var d = input.ImageType.Dimension;
        if (factors.Count != d || factors.Any(f => f < 1))
        {
            throw new ArgumentException($"shrink factors must be {d} integers of at least 1 (one per axis), not [{string.Join(", ", factors)}]", nameof(factors));
        }

        var size = new long[d];
        var spacing = new double[d];
        var originIndex = new double[d];
        for (var i = 0; i < d; i++)
        {
            size[i] = input.Size[i] / factors[i];
            if (size[i] < 1)
            {
                throw new ArgumentException($"the image is too small: axis {i} has {input.Size[i]} pixels, fewer than its shrink factor {factors[i]}", nameof(factors));
            }

            spacing[i] = input.Spacing[i] * factors[i];
            originIndex[i] = 0.5 * (factors[i] - 1);
        }

        return new Image(input.ImageType) { Size = size, Spacing = spacing, Origin = ImageGeometry.PhysicalPoint(input, originIndex), Direction = (double[])input.Direction.Clone() };
    }

    /// <summary>Shrinks <paramref name="input"/> (a scalar image; the caller keeps owning it) into a new image the
    /// caller disposes. With <paramref name="informationOnly"/>, the new image has the output grid and no pixels, as
    /// the pipeline's <c>--information-only</c>.</summary>
    /// <exception cref="ArgumentException">See <see cref="OutputInformation"/>; or the image is not scalar.</exception>
    public static Image Run(Image input, IReadOnlyList<int> factors, bool informationOnly = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ImageType.Components != 1)
        {
            throw new ArgumentException($"bin shrink takes scalar images; this one has {input.ImageType.Components} components per pixel", nameof(input));
        }

        var output = OutputInformation(input, factors);
        if (informationOnly)
        {
            return output;
        }

        try
        {
            output.Data = DataBuffer.Allocate(output.ByteLength);
            var f = factors.ToArray();
            switch (input.ImageType.ComponentType)
            {
                case ComponentType.Int8: Shrink<sbyte>(input, output, f, integer: true); break;
                case ComponentType.UInt8: Shrink<byte>(input, output, f, integer: true); break;
                case ComponentType.Int16: Shrink<short>(input, output, f, integer: true); break;
                case ComponentType.UInt16: Shrink<ushort>(input, output, f, integer: true); break;
                case ComponentType.Int32: Shrink<int>(input, output, f, integer: true); break;
                case ComponentType.UInt32: Shrink<uint>(input, output, f, integer: true); break;
                case ComponentType.Int64: Shrink<long>(input, output, f, integer: true); break;
                case ComponentType.UInt64: Shrink<ulong>(input, output, f, integer: true); break;
                case ComponentType.Float32: Shrink<float>(input, output, f, integer: false); break;
                default: Shrink<double>(input, output, f, integer: false); break;
            }

            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    private static void Shrink<T>(Image input, Image output, int[] f, bool integer)
        where T : unmanaged, INumberBase<T>
    {
        var d = f.Length;
        var outX = checked((int)output.Size[0]);
        var spanX = checked(outX * f[0]);
        var inStride = new long[d];
        var outStride = new long[d];
        inStride[0] = outStride[0] = 1;
        for (var i = 1; i < d; i++)
        {
            inStride[i] = inStride[i - 1] * input.Size[i - 1];
            outStride[i] = outStride[i - 1] * output.Size[i - 1];
        }

        var lines = output.PixelCount / outX;
        var binLines = 1;
        for (var i = 1; i < d; i++)
        {
            binLines *= f[i];
        }

        var converted = new double[spanX];
        var mean = new double[outX];
        var scale = 1.0 / (binLines * (double)f[0]);
        var outIndex = new long[d];
        var binIndex = new int[d];
        for (long line = 0; line < lines; line++)
        {
            // Which output line: the index along axes 1.., from the line number.
            var rest = line;
            for (var i = 1; i < d; i++)
            {
                outIndex[i] = rest % output.Size[i];
                rest /= output.Size[i];
            }

            // ITK's order: the bin's lines one after another (axis 1 fastest), each adding its f₀ pixels per output
            // pixel from left to right; the first pixel is assigned, not added to zero (which would turn -0.0 into 0.0).
            Array.Clear(binIndex);
            for (var b = 0; b < binLines; b++)
            {
                long start = 0;
                for (var i = 1; i < d; i++)
                {
                    start += ((outIndex[i] * f[i]) + binIndex[i]) * inStride[i];
                }

                TensorPrimitives.ConvertTruncating<T, double>(input.Data.AsSpan<T>(start, spanX), converted);
                Accumulate(converted, mean, f[0], first: b == 0);
                for (var i = 1; i < d && ++binIndex[i] == f[i]; i++)
                {
                    binIndex[i] = 0;
                }
            }

            TensorPrimitives.Multiply(mean, scale, mean);
            if (integer)
            {
                TensorPrimitives.Add(mean, 0.5, mean);
                TensorPrimitives.Floor(mean, mean);
            }

            long outStart = 0;
            for (var i = 1; i < d; i++)
            {
                outStart += outIndex[i] * outStride[i];
            }

            TensorPrimitives.ConvertTruncating<double, T>(mean, output.Data.AsSpan<T>(outStart, outX));
        }
    }

    // Adds one input line (converted) into the output line's sums, f0 input pixels per output pixel.
    private static void Accumulate(ReadOnlySpan<double> line, Span<double> sums, int f0, bool first)
    {
        if (f0 == 1)
        {
            if (first)
            {
                line.CopyTo(sums);
            }
            else
            {
                TensorPrimitives.Add(sums, line, sums);
            }

            return;
        }

        for (var x = 0; x < sums.Length; x++)
        {
            var bin = line.Slice(x * f0, f0);
            var sum = first ? bin[0] : sums[x] + bin[0];
            for (var j = 1; j < bin.Length; j++)
            {
                sum += bin[j];
            }

            sums[x] = sum;
        }
    }
}
