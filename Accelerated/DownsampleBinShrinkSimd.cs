using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <c>@itk-wasm/downsample:downsample-bin-shrink</c> (version 2.0.2) on the CPU with vector instructions
/// (<see cref="BinShrink"/>), in place of the WebAssembly module. It takes the module's command line:
/// <c>INPUT DOWNSAMPLED -s/--shrink-factors F... [-i/--information-only] [--memory-io]</c>, with one shrink factor per
/// axis, an image input and an image output by memory-I/O index; scalar images of any component type, 2D to 5D.
/// </summary>
public sealed class DownsampleBinShrinkSimd() : DownsampleOverride(Function, PipelineCapabilities.Simd, PipelineCapabilities.Simd, defaultPriority: 5, takesCropRadius: false, maximumDimension: 5)
{
    /// <summary>The function this overrides.</summary>
    public const string Function = "@itk-wasm/downsample:downsample-bin-shrink";

    /// <summary>Bit-identical but for <c>uint32</c> means of 2³¹ or more (ITK rounds through a signed 32-bit integer).</summary>
    private protected override bool ExactFor(Image image) => image.ImageType.ComponentType != ComponentType.UInt32;

    /// <inheritdoc/>
    internal override Image Run(Image input, DownsampleCommandLine command) =>
        BinShrink.Run(input, command.ShrinkFactors(input), command.InformationOnly);
}
