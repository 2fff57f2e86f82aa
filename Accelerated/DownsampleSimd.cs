using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <c>@itk-wasm/downsample:downsample</c> (version 2.0.2) on the CPU with vector instructions
/// (<see cref="GaussianDownsample"/>), in place of the WebAssembly module. It takes the module's command line:
/// <c>INPUT DOWNSAMPLED -s/--shrink-factors F... [-r/--crop-radius R...] [--memory-io]</c>, one value per axis, an
/// image input and an image output by memory-I/O index; scalar 2D and 3D images of any component type.
/// </summary>
public sealed class DownsampleSimd() : DownsampleOverride(Function, PipelineCapabilities.Simd, PipelineCapabilities.Simd, defaultPriority: 5, takesCropRadius: true, maximumDimension: 3)
{
    /// <summary>The function this overrides.</summary>
    public const string Function = "@itk-wasm/downsample:downsample";

    /// <summary>Bit-identical where the direction is the identity (ITK maps other directions through an SVD inverse
    /// whose last bits differ).</summary>
    private protected override bool ExactFor(Image image) => ImageGeometry.IsAxisAligned(image);

    /// <inheritdoc/>
    internal override Image Run(Image input, DownsampleCommandLine command) =>
        GaussianDownsample.Run(input, command.ShrinkFactors(input), command.CropRadius(input));
}
