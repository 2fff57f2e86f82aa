using System.Globalization;
using ItkWasm.Pipelines;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// The command line the <c>@itk-wasm/downsample</c> image pipelines take, as their WebAssembly modules parse it (CLI11;
/// ITKWASM-SPEC §5.2): <c>INPUT OUTPUT</c> as memory-I/O indices, then <c>-s/--shrink-factors</c> (required, one per
/// axis), <c>-r/--crop-radius</c> (where the pipeline has it), <c>-i/--information-only</c> and <c>--memory-io</c>.
/// A command line the module would refuse is refused with a <see cref="PipelineRunException"/> that says why.
/// </summary>
internal sealed class DownsampleCommandLine
{
    private readonly PipelineReference pipeline;
    private readonly int inputIndex;
    private readonly List<int> shrinkFactors;
    private readonly List<int>? cropRadius;

    private DownsampleCommandLine(PipelineReference pipeline, int inputIndex, int outputIndex, List<int> shrinkFactors, List<int>? cropRadius, bool informationOnly)
    {
        this.pipeline = pipeline;
        this.inputIndex = inputIndex;
        OutputIndex = outputIndex;
        this.shrinkFactors = shrinkFactors;
        this.cropRadius = cropRadius;
        InformationOnly = informationOnly;
    }

    /// <summary>Gets the memory-I/O index of the output image.</summary>
    public int OutputIndex { get; }

    /// <summary>Gets whether only the output's grid is wanted (<c>--information-only</c>).</summary>
    public bool InformationOnly { get; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="PipelineRunException">An argument the module would refuse.</exception>
    public static DownsampleCommandLine Parse(PipelineReference pipeline, IReadOnlyList<string> args, bool allowCropRadius)
    {
        var positionals = new List<int>();
        var shrink = new List<int>();
        List<int>? crop = null;
        var informationOnly = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--memory-io":
                    break;
                case "-i" or "--information-only":
                    informationOnly = true;
                    break;
                case "-s" or "--shrink-factors":
                    i = Values(pipeline, args, i, shrink);
                    break;
                case "-r" or "--crop-radius" when allowCropRadius:
                    i = Values(pipeline, args, i, crop = []);
                    break;
                default:
                    if (args[i].StartsWith('-') || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                    {
                        throw Refused(pipeline, $"the following argument was not expected: {args[i]}");
                    }

                    positionals.Add(index);
                    break;
            }
        }

        if (positionals.Count != 2)
        {
            throw Refused(pipeline, $"takes an input and an output (memory-I/O indices), not {positionals.Count} positional arguments");
        }

        return shrink.Count == 0
            ? throw Refused(pipeline, "--shrink-factors is required")
            : new DownsampleCommandLine(pipeline, positionals[0], positionals[1], shrink, crop, informationOnly);
    }

    /// <summary>Gets whether an implementation that takes 2D to <paramref name="maximumDimension"/> scalar images
    /// takes images of <paramref name="type"/>.</summary>
    public static bool Takes(ImageType type, int maximumDimension) =>
        type.Dimension >= 2 && type.Dimension <= maximumDimension && type.Components == 1 && type.PixelType == PixelType.Scalar;

    /// <summary>Returns the input image.</summary>
    /// <exception cref="PipelineRunException">The index names no image input, or the image is not scalar and 2D to
    /// <paramref name="maximumDimension"/>.</exception>
    public Image Input(IReadOnlyList<PipelineInput> inputs, int maximumDimension)
    {
        if (inputIndex >= inputs.Count || inputs[inputIndex].Value is not Image image)
        {
            throw Refused(pipeline, $"input {inputIndex} is not an image");
        }

        if (image.ImageType.Dimension < 2 || image.ImageType.Dimension > maximumDimension)
        {
            throw Refused(pipeline, $"this implementation takes 2D to {maximumDimension}D images, not {image.ImageType.Dimension}D");
        }

        return image.ImageType.Components == 1 && image.ImageType.PixelType == PixelType.Scalar
            ? image
            : throw Refused(pipeline, $"this implementation takes scalar images, not {image.ImageType.PixelType} with {image.ImageType.Components} components");
    }

    /// <summary>Checks that the output index names an image output.</summary>
    /// <exception cref="PipelineRunException">It does not.</exception>
    public void CheckOutput(IReadOnlyList<PipelineOutput> outputs)
    {
        if (OutputIndex >= outputs.Count || outputs[OutputIndex].Type != InterfaceType.Image)
        {
            throw Refused(pipeline, $"output {OutputIndex} is not an image");
        }
    }

    /// <summary>Returns the shrink factors, one per axis of <paramref name="image"/>.</summary>
    /// <exception cref="PipelineRunException">Not one per axis.</exception>
    public IReadOnlyList<int> ShrinkFactors(Image image) => PerAxis(image, shrinkFactors, "--shrink-factors");

    /// <summary>Returns the crop radius, one per axis of <paramref name="image"/> (zeros when not given).</summary>
    /// <exception cref="PipelineRunException">Not one per axis.</exception>
    public IReadOnlyList<int> CropRadius(Image image) =>
        cropRadius is null ? new int[image.ImageType.Dimension] : PerAxis(image, cropRadius, "--crop-radius");

    private int[] PerAxis(Image image, List<int> values, string option) =>
        values.Count == image.ImageType.Dimension
            ? [.. values]
            : throw Refused(pipeline, $"{option} takes {image.ImageType.Dimension} values for a {image.ImageType.Dimension}D image, not {values.Count}");

    private static int Values(PipelineReference pipeline, IReadOnlyList<string> args, int at, List<int> values)
    {
        while (at + 1 < args.Count && !args[at + 1].StartsWith('-'))
        {
            at++;
            values.Add(int.TryParse(args[at], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw Refused(pipeline, $"{args[at - values.Count - 1]} takes unsigned integers, not '{args[at]}'"));
        }

        return at;
    }

    private static PipelineRunException Refused(PipelineReference pipeline, string detail) =>
        new(pipeline, PipelineFailureKind.InvalidRequest, detail, string.Empty, detail);
}
