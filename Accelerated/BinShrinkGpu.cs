using ILGPU;
using ILGPU.Runtime;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <see cref="BinShrink"/> as an ILGPU kernel: one thread per output pixel, summing its bin in ITK's order in
/// <see cref="double"/>, so the results are the same as <see cref="BinShrink"/>'s (and the module's, with the same two
/// exceptions: NaN payloads, and <c>uint32</c> means of 2³¹ or more). Scalar images, 2D to 5D, every component type;
/// up to 2³¹ − 1 output pixels.
/// </summary>
public static class BinShrinkGpu
{
    /// <summary>Shrinks <paramref name="input"/> on <paramref name="device"/> into a new image the caller disposes.</summary>
    /// <exception cref="ArgumentException">See <see cref="BinShrink.OutputInformation"/>; or the image is not scalar, not 2D
    /// to 5D, or its output has 2³¹ pixels or more.</exception>
    public static Image Run(GpuDevice device, Image input, IReadOnlyList<int> factors, bool informationOnly = false)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(input);
        var type = input.ImageType;
        if (type.Components != 1 || type.Dimension is < 2 or > 5)
        {
            throw new ArgumentException($"the GPU bin shrink takes scalar 2D to 5D images, not {type.Dimension}D with {type.Components} components", nameof(input));
        }

        var output = BinShrink.OutputInformation(input, factors);
        if (informationOnly)
        {
            return output;
        }

        try
        {
            if (output.PixelCount >= int.MaxValue)
            {
                throw new ArgumentException($"the output has {output.PixelCount} pixels; the GPU bin shrink makes at most {int.MaxValue - 1}", nameof(input));
            }

            output.Data = DataBuffer.Allocate(output.ByteLength);
            var grid = Grid(input, output, factors);
            device.Run(accelerator =>
            {
                var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<byte>, ShrinkGrid>(Kernel);
                using var from = accelerator.Allocate1D<byte>(input.Data.Length);
                using var to = accelerator.Allocate1D<byte>(output.Data.Length);
                GpuPixels.Copy(input.Data, from.View, toDevice: true);
                kernel((int)output.PixelCount, from.View, to.View, grid);
                accelerator.Synchronize();
                GpuPixels.Copy(output.Data, to.View, toDevice: false);
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

    private static ShrinkGrid Grid(Image input, Image output, IReadOnlyList<int> factors)
    {
        long In(int i) => i < input.Size.Length ? input.Size[i] : 1;
        long Out(int i) => i < output.Size.Length ? output.Size[i] : 1;
        int F(int i) => i < factors.Count ? factors[i] : 1;
        var samples = 1.0;
        foreach (var f in factors)
        {
            samples *= f;
        }

        return new ShrinkGrid
        {
            Component = (int)input.ImageType.ComponentType,
            Integer = input.ImageType.ComponentType is ComponentType.Float32 or ComponentType.Float64 ? 0 : 1,
            Scale = 1.0 / samples,
            In0 = In(0),
            In1 = In(1),
            In2 = In(2),
            In3 = In(3),
            Out0 = Out(0),
            Out1 = Out(1),
            Out2 = Out(2),
            Out3 = Out(3),
            F0 = F(0),
            F1 = F(1),
            F2 = F(2),
            F3 = F(3),
            F4 = F(4),
        };
    }

    // One output pixel: its bin summed in ITK's order (the lines of the bin with axis 1 fastest, each line's f0 pixels
    // left to right, the first assigned), times 1 / (pixels per bin), rounded half up for integer types.
    private static void Kernel(Index1D index, ArrayView<byte> input, ArrayView<byte> output, ShrinkGrid g)
    {
        long rest = index;
        var o0 = rest % g.Out0;
        rest /= g.Out0;
        var o1 = rest % g.Out1;
        rest /= g.Out1;
        var o2 = rest % g.Out2;
        rest /= g.Out2;
        var o3 = rest % g.Out3;
        var o4 = rest / g.Out3;
        var s1 = g.In0;
        var s2 = s1 * g.In1;
        var s3 = s2 * g.In2;
        var s4 = s3 * g.In3;
        var sum = 0.0;
        var first = true;
        for (var k4 = 0; k4 < g.F4; k4++)
        {
            for (var k3 = 0; k3 < g.F3; k3++)
            {
                for (var k2 = 0; k2 < g.F2; k2++)
                {
                    for (var k1 = 0; k1 < g.F1; k1++)
                    {
                        var line = ((o1 * g.F1) + k1) * s1 + ((o2 * g.F2) + k2) * s2 + ((o3 * g.F3) + k3) * s3 + ((o4 * g.F4) + k4) * s4;
                        for (var j = 0; j < g.F0; j++)
                        {
                            var value = GpuPixels.Load(input, g.Component, line + (o0 * g.F0) + j);
                            sum = first ? value : sum + value;
                            first = false;
                        }
                    }
                }
            }
        }

        var mean = sum * g.Scale;
        if (g.Integer != 0)
        {
            mean = Math.Floor(mean + 0.5);
        }

        GpuPixels.Store(output, g.Component, index, mean);
    }

    // The kernel's parameters: sizes and factors of up to five axes (1 beyond the image's dimension). Internal, with
    // the assembly visible to ILGPU's generated runtime assembly (ILGPURuntime), which the kernels' types must be.
    internal struct ShrinkGrid
    {
        public int Component;
        public int Integer;
        public double Scale;
        public long In0;
        public long In1;
        public long In2;
        public long In3;
        public long Out0;
        public long Out1;
        public long Out2;
        public long Out3;
        public int F0;
        public int F1;
        public int F2;
        public int F3;
        public int F4;
    }
}
