using ILGPU;
using ILGPU.Runtime;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <see cref="GaussianDownsample"/> as ILGPU kernels: the pixels converted to double on the device, one kernel launch
/// per smoothing pass (one thread per pixel, the sum in kernel order, stored in the pixel type), and one for the
/// resampling (one thread per output pixel, <see cref="LinearInterpolation"/>). The arithmetic is the SIMD
/// implementation's; a GPU compiler that fuses a multiply and an add (CUDA may) can change the last bit of a sum.
/// Scalar 2D and 3D images of every component type, fewer than 2³¹ pixels.
/// </summary>
public static class GaussianDownsampleGpu
{
    /// <summary>Downsamples <paramref name="input"/> on <paramref name="device"/> into a new image the caller disposes.</summary>
    /// <exception cref="ArgumentException">See <see cref="GaussianDownsample.OutputInformation"/>; or the image is
    /// not scalar, or has 2³¹ pixels or more.</exception>
    public static Image Run(GpuDevice device, Image input, IReadOnlyList<int> factors, IReadOnlyList<int> crop)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(input);
        if (input.ImageType.Components != 1)
        {
            throw new ArgumentException($"this implementation of downsample takes scalar images; this one has {input.ImageType.Components} components per pixel", nameof(input));
        }

        if (input.PixelCount >= int.MaxValue)
        {
            throw new ArgumentException($"the image has {input.PixelCount} pixels; the GPU downsample takes fewer than {int.MaxValue}", nameof(input));
        }

        var output = GaussianDownsample.OutputInformation(input, factors, crop);
        try
        {
            output.Data = DataBuffer.Allocate(output.ByteLength);
            var kernels = GaussianDownsample.Kernels(factors);
            var ends = ImageGeometry.ScanlineEnds(input, output);
            var grid = LinearInterpolation.SampleGrid.For(input, output);
            var component = (int)input.ImageType.ComponentType;
            device.Run(accelerator =>
            {
                var toDouble = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<double>, int>(ToDoubleKernel);
                var convolve = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<double>, Pass>(ConvolveKernel);
                var resample = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<double>, ArrayView<double>, ArrayView<byte>, ResampleGrid>(ResampleKernel);
                var pixels = (int)input.PixelCount;
                using var source = accelerator.Allocate1D<byte>(input.Data.Length);
                using var a = accelerator.Allocate1D<double>(pixels);
                using var b = accelerator.Allocate1D<double>(pixels);
                using var weights = accelerator.Allocate1D([.. kernels.SelectMany(k => k)]);
                using var lineEnds = accelerator.Allocate1D(ends);
                using var result = accelerator.Allocate1D<byte>(output.Data.Length);
                GpuPixels.Copy(input.Data, source.View, toDevice: true);
                toDouble(pixels, source.View, a.View, component);
                var (from, to) = (a, b);
                for (var axis = kernels.Length - 1; axis >= 0; axis--)
                {
                    long inner = 1;
                    for (var i = 0; i < axis; i++)
                    {
                        inner *= input.Size[i];
                    }

                    var pass = new Pass
                    {
                        Inner = inner,
                        N = input.Size[axis],
                        Radius = kernels[axis].Length / 2,
                        WeightOffset = kernels.Take(axis).Sum(k => k.Length),
                        Component = component,
                    };
                    convolve(pixels, from.View, to.View, weights.View, pass);
                    (from, to) = (to, from);
                }

                resample((int)output.PixelCount, from.View, lineEnds.View, result.View, new ResampleGrid { Sampling = grid, Component = component });
                accelerator.Synchronize();
                GpuPixels.Copy(output.Data, result.View, toDevice: false);
                return true;
            });
            return output;
        }
        catch
        {
            output.Dispose();
            throw;
        }
    }

    private static void ToDoubleKernel(Index1D i, ArrayView<byte> input, ArrayView<double> to, int component) =>
        to[i] = GpuPixels.Load(input, component, i);

    // One pixel of one smoothing pass: Σₖ w[k] · from[clamp(j + k − r)] along the pass's axis, from 0 in kernel order,
    // stored in the pixel type (ITK's intermediate images have it).
    private static void ConvolveKernel(Index1D i, ArrayView<double> from, ArrayView<double> to, ArrayView<double> weights, Pass p)
    {
        long index = i;
        var within = index % p.Inner;
        var rest = index / p.Inner;
        var j = rest % p.N;
        var line = (rest / p.N) * p.N;
        var sum = 0.0;
        for (var k = 0; k <= 2 * p.Radius; k++)
        {
            var at = Math.Min(Math.Max(j + k - p.Radius, 0), p.N - 1); // Math.Clamp can throw, which kernels cannot
            sum += from[((line + at) * p.Inner) + within] * weights[p.WeightOffset + k];
        }

        to[i] = GpuPixels.RoundTrip(p.Component, sum);
    }

    private static void ResampleKernel(Index1D i, ArrayView<double> smoothed, ArrayView<double> ends, ArrayView<byte> output, ResampleGrid g)
    {
        long index = i;
        var value = LinearInterpolation.Sample(new ViewValues(smoothed), new ViewValues(ends), g.Sampling, index / g.Sampling.Size0, index % g.Sampling.Size0);
        GpuPixels.Store(output, g.Component, index, value);
    }

    // The kernels' parameters. Internal, with the assembly visible to ILGPU's generated runtime assembly (ILGPURuntime),
    // which the kernels' types must be.
    internal struct Pass
    {
        public long Inner;
        public long N;
        public int Radius;
        public int WeightOffset;
        public int Component;
    }

    internal struct ResampleGrid
    {
        public LinearInterpolation.SampleGrid Sampling;
        public int Component;
    }

    internal readonly struct ViewValues(ArrayView<double> values) : IValues
    {
        public double At(long index) => values[index];
    }
}
