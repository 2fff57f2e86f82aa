using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <c>@itk-wasm/downsample:downsample-bin-shrink</c> (version 2.0.2) on a GPU through ILGPU (<see cref="BinShrinkGpu"/>),
/// with the module's command line (see <see cref="DownsampleBinShrinkSimd"/>). Its implementation name says which
/// device runs it: <c>gpu:cuda</c>, <c>gpu:opencl</c> or <c>gpu:cpu</c>.
/// </summary>
/// <param name="device">The device to run on.</param>
public sealed class DownsampleBinShrinkGpu(GpuDevice device) : DownsampleOverride(DownsampleBinShrinkSimd.Function, device.Implementation, PipelineCapabilities.Gpu, defaultPriority: 10, takesCropRadius: false, maximumDimension: 5)
{
    /// <summary>Bit-identical but for <c>uint32</c> means of 2³¹ or more (ITK rounds through a signed 32-bit integer).</summary>
    private protected override bool ExactFor(Image image) => image.ImageType.ComponentType != ComponentType.UInt32;

    /// <inheritdoc/>
    internal override Image Run(Image input, DownsampleCommandLine command) =>
        BinShrinkGpu.Run(device, input, command.ShrinkFactors(input), command.InformationOnly);
}
