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

    /// <summary>Creates the override of <paramref name="function"/>.</summary>
    protected DownsampleOverride(string function)
    {
        PipelineFunction = function;
        reference = PipelineReference.Parse(function);
    }

    /// <inheritdoc/>
    public string PipelineFunction { get; }

    /// <inheritdoc/>
    public abstract string Implementation { get; }

    /// <inheritdoc/>
    public abstract string Capability { get; }

    /// <inheritdoc/>
    public abstract int DefaultPriority { get; }

    /// <summary>Gets whether the function takes <c>-r/--crop-radius</c>.</summary>
    protected virtual bool TakesCropRadius => false;

    /// <summary>Gets the highest image dimension this implementation takes (the lowest is 2).</summary>
    protected virtual int MaximumDimension => 5;

    /// <inheritdoc/>
    /// <remarks>Scalar images from 2D to <see cref="MaximumDimension"/>; the module also takes multi-component
    /// (<c>VariableLengthVector</c>) pixels.</remarks>
    public bool Accepts(IReadOnlyList<PipelineInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return inputs.FirstOrDefault(i => i.Value is Image)?.Value is Image { ImageType: var type }
               && DownsampleCommandLine.Takes(type, MaximumDimension);
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
        var command = DownsampleCommandLine.Parse(reference, args, TakesCropRadius);
        var input = command.Input(inputs, MaximumDimension);
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
