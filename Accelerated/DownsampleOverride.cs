using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// The common part of the <c>@itk-wasm/downsample</c> overrides: the module's command line
/// (<see cref="DownsampleCommandLine"/>), one scalar image in, one image out, and failures the module would report
/// given as <see cref="PipelineRunException"/>s.
/// </summary>
public abstract class DownsampleOverride : IPipelineOverride
{
    private readonly PipelineReference reference;
    private readonly bool takesCropRadius;
    private readonly int maximumDimension;

    /// <summary>Creates an override of <paramref name="function"/>.</summary>
    /// <param name="function">The function, as a pipeline reference names it.</param>
    /// <param name="implementation">What it runs on, as <c>job.json</c> reports it.</param>
    /// <param name="capability">The capability a machine needs to run it.</param>
    /// <param name="defaultPriority">Its priority unless configuration sets another.</param>
    /// <param name="takesCropRadius">Whether the function takes <c>-r/--crop-radius</c>.</param>
    /// <param name="maximumDimension">The highest image dimension it takes (the lowest is 2).</param>
    private protected DownsampleOverride(string function, string implementation, string capability, int defaultPriority, bool takesCropRadius, int maximumDimension)
    {
        PipelineFunction = function;
        Implementation = implementation;
        Capability = capability;
        DefaultPriority = defaultPriority;
        reference = PipelineReference.Parse(function);
        this.takesCropRadius = takesCropRadius;
        this.maximumDimension = maximumDimension;
    }

    /// <inheritdoc/>
    public string PipelineFunction { get; }

    /// <inheritdoc/>
    public string Implementation { get; }

    /// <inheritdoc/>
    public string Capability { get; }

    /// <inheritdoc/>
    public int DefaultPriority { get; }

    /// <inheritdoc/>
    /// <remarks>Scalar images from 2D to the maximum dimension; the module also takes multi-component
    /// (<c>VariableLengthVector</c>) pixels.</remarks>
    public bool Accepts(IReadOnlyList<PipelineInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.FirstOrDefault(i => i.Value is Image)?.Value is Image { ImageType: var type }
               && DownsampleCommandLine.Takes(type, maximumDimension);
    }

    /// <inheritdoc/>
    /// <remarks>Exact only for the inputs the tests prove bit-identical (see each override's
    /// <see cref="ExactFor"/>), never with NaN pixels (WebAssembly and x64 make different NaN payloads), and never on a
    /// CUDA or OpenCL device, where the compiler's contractions are not proven away (only ILGPU's CPU accelerator,
    /// <c>gpu:cpu</c>, is compared).</remarks>
    public bool IsExact(IReadOnlyList<PipelineInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (!Accepts(inputs) || (Capability == PipelineCapabilities.Gpu && Implementation != "gpu:cpu"))
        {
            return false;
        }

        var image = (Image)inputs.First(i => i.Value is Image).Value!;
        return ExactFor(image) && !HasNaN(image);
    }

    /// <inheritdoc/>
    public Task<PipelineResult> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyList<PipelineOutput> outputs,
        IReadOnlyList<PipelineInput> inputs,
        PipelineRunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        cancellationToken.ThrowIfCancellationRequested();
        var started = Stopwatch.GetTimestamp();
        var command = DownsampleCommandLine.Parse(reference, args, takesCropRadius);
        var input = command.Input(inputs, maximumDimension);
        command.CheckOutput(outputs);
        Image result;
        try
        {
            result = Run(input, command);
        }
        catch (ArgumentException e)
        {
            throw new PipelineRunException(reference, PipelineFailureKind.NonZeroExit, e.Message, string.Empty, e.Message, 1);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var values = new object[outputs.Count];
        values[command.OutputIndex] = result;
        return Task.FromResult(new PipelineResult(values, string.Empty, string.Empty, new PipelineTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, elapsed, TimeSpan.Zero, elapsed)));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{PipelineFunction} ({Implementation})");

    /// <summary>Returns whether the result for this (accepted, NaN-free) image is the module's byte for byte.</summary>
    private protected abstract bool ExactFor(Image image);

    private static bool HasNaN(Image image) => image.ImageType.ComponentType switch
    {
        ComponentType.Float32 => HasNaN(MemoryMarshal.Cast<byte, float>(image.Data.AsSpan())),
        ComponentType.Float64 => HasNaN(MemoryMarshal.Cast<byte, double>(image.Data.AsSpan())),
        _ => false,
    };

    // IEEE 754 maximum: the index of the first NaN when there is one.
    private static bool HasNaN<T>(ReadOnlySpan<T> values)
        where T : System.Numerics.IFloatingPointIeee754<T> =>
        TensorPrimitives.IndexOfMax(values) is var i && i >= 0 && T.IsNaN(values[i]);

    /// <summary>Runs the function on <paramref name="input"/> (which the caller keeps) with the parsed command line.</summary>
    /// <exception cref="ArgumentException">Arguments the module would refuse for this image; reported as a failed run.</exception>
    internal abstract Image Run(Image input, DownsampleCommandLine command);
}
