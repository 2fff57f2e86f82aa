using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <c>@itk-wasm/downsample:downsample</c> (version 2.0.2) on a GPU through ILGPU (<see cref="GaussianDownsampleGpu"/>),
/// with the module's command line (see <see cref="DownsampleSimd"/>). Its implementation name says which device runs
/// it: <c>gpu:cuda</c>, <c>gpu:opencl</c> or <c>gpu:cpu</c>.
/// </summary>
/// <param name="device">The device to run on.</param>
public sealed class DownsampleGpu(GpuDevice device) : DownsampleOverride(DownsampleSimd.Function, device.Implementation, PipelineCapabilities.Gpu, defaultPriority: 10, takesCropRadius: true, maximumDimension: 3)
{
    /// <summary>Bit-identical where the direction is the identity (ITK maps other directions through an SVD inverse
    /// whose last bits differ).</summary>
    private protected override bool ExactFor(Image image) => ImageGeometry.IsAxisAligned(image);

    /// <inheritdoc/>
    internal override Image Run(Image input, DownsampleCommandLine command) =>
        GaussianDownsampleGpu.Run(device, input, command.ShrinkFactors(input), command.CropRadius(input));
}
