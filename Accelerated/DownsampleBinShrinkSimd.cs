using System.Diagnostics;
using System.Globalization;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// <c>@itk-wasm/downsample:downsample-bin-shrink</c> (version 2.0.2) on the CPU with vector instructions
/// (<see cref="BinShrink"/>), in place of the WebAssembly module. It takes the module's command line:
/// <c>INPUT DOWNSAMPLED -s/--shrink-factors F... [-i/--information-only] [--memory-io]</c>, with one shrink factor per
/// axis, an image input and an image output by memory-I/O index; scalar images of any component type and dimension.
/// </summary>
public sealed class DownsampleBinShrinkSimd : IPipelineOverride
{
    /// <summary>The function this overrides.</summary>
    public const string Function = "@itk-wasm/downsample:downsample-bin-shrink";

    private static readonly PipelineReference Reference = PipelineReference.Parse(Function);

    /// <inheritdoc/>
    public string PipelineFunction => Function;

    /// <inheritdoc/>
    public string Implementation => PipelineCapabilities.Simd;

    /// <inheritdoc/>
    public string Capability => PipelineCapabilities.Simd;

    /// <inheritdoc/>
    public int DefaultPriority => 5;

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
        var command = DownsampleCommandLine.Parse(Reference, args, allowCropRadius: false);
        var input = command.Input(inputs);
        command.CheckOutput(outputs);
        Image result;
        try
        {
            result = BinShrink.Run(input, command.ShrinkFactors(input), command.InformationOnly);
        }
        catch (ArgumentException e)
        {
            throw new PipelineRunException(Reference, PipelineFailureKind.NonZeroExit, e.Message, string.Empty, e.Message, 1);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var values = new object[outputs.Count];
        values[command.OutputIndex] = result;
        return Task.FromResult(new PipelineResult(values, string.Empty, string.Empty, new PipelineTimings(TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, elapsed, TimeSpan.Zero, elapsed)));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Function} ({Implementation})");
}
