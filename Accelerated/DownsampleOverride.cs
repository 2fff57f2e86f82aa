using System.Diagnostics;
using System.Globalization;
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

    /// <summary>Runs the function on <paramref name="input"/> (which the caller keeps) with the parsed command line.</summary>
    /// <exception cref="ArgumentException">Arguments the module would refuse for this image; reported as a failed run.</exception>
    internal abstract Image Run(Image input, DownsampleCommandLine command);
}
