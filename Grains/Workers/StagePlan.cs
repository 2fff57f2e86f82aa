using System.Diagnostics;
using ItkWasm;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Telemetry;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// One stage bound to its pipeline. From the pipeline's interface description, the first image input takes the item
/// and the first image output is the stage's result; other interface-typed outputs (JSON, streams) are requested and
/// dropped. Thread-safe; shared by the attempts at a job's items on one silo. The pipeline (and so its interface
/// description, read once) is shared by every job that runs it (<see cref="ItemRunners"/>).
/// </summary>
internal sealed class StagePlan(StageSpec spec, int position, Pipeline pipeline, string moduleKey, StageImplementations implementations, TimeProvider time)
{
    /// <summary>Gets the stage's position in the job, for messages.</summary>
    public int Position => position;

    /// <summary>Gets the stage spec.</summary>
    public StageSpec Spec => spec;

    /// <summary>Runs the stage on <paramref name="input"/>, which the caller keeps owning, on the implementation
    /// <see cref="StageImplementations"/> chooses; the caller disposes the result.</summary>
    /// <returns>The result, and which implementation ran (<c>wasm</c>, or the override's name).</returns>
    /// <exception cref="StageException">The pipeline's interface does not fit a stage, or the stage asks for an
    /// accelerator this silo cannot run it on.</exception>
    /// <exception cref="PipelineRunException">The pipeline failed.</exception>
    /// <param name="input">The image.</param>
    /// <param name="options">The run's options (its timeout).</param>
    /// <param name="attempt">The attempt at the item, the silo that runs it, and the item's span (the stage span's parent).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public async Task<(Image Result, string Implementation)> RunAsync(Image input, PipelineRunOptions options, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        var chosen = implementations.Choose(spec, pipeline.Reference, position, input);
        var implementation = chosen?.Implementation ?? StageImplementations.Wasm;
        using var span = !ClusterTelemetry.Source.HasListeners() ? null : ClusterTelemetry.StartSpan("stage", ActivityKind.Internal, attempt.Trace, [
            new(ClusterTelemetry.StageIndex, position),
            new(ClusterTelemetry.Pipeline, spec.Pipeline),
            new("itkwasm.module.hash", moduleKey),
            new(ClusterTelemetry.Implementation, implementation),
            new("itkwasm.silo", attempt.Silo),
            new("itkwasm.item.attempt", attempt.Number),
        ]);
        var tags = new TagList { { ClusterTelemetry.StageIndex, position }, { ClusterTelemetry.Pipeline, spec.Pipeline }, { ClusterTelemetry.Implementation, implementation } };
        var started = time.GetTimestamp();
        ClusterTelemetry.StagesActive.Add(1);
        try
        {
            var (image, _) = await RunOnAsync(chosen, input, options, cancellationToken).ConfigureAwait(false);
            ClusterTelemetry.StageRuns.Add(1, tags);
            return (image, implementation);
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
        finally
        {
            ClusterTelemetry.StagesActive.Add(-1);
            ClusterTelemetry.StageDuration.Record(time.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private async Task<(Image Result, PipelineTimings Timings)> RunOnAsync(IPipelineOverride? chosen, Image input, PipelineRunOptions options, CancellationToken cancellationToken)
    {
        var description = await pipeline.GetInterfaceAsync(cancellationToken).ConfigureAwait(false);
        var args = new List<string>();
        var outputs = new List<PipelineOutput>();
        var imageInput = false;
        var imageOutput = -1;
        foreach (var parameter in description.Inputs)
        {
            if (parameter.InterfaceType == InterfaceType.Image && !imageInput)
            {
                imageInput = true;
                args.Add("0");
            }
            else if (parameter.InterfaceType is not null || parameter.Required)
            {
                throw new StageException(position, $"{spec.Pipeline} takes input '{parameter.Name}' ({parameter.Type}) besides the image; a stage supplies one image");
            }
        }

        foreach (var parameter in description.Outputs)
        {
            if (parameter.InterfaceType is not { } type || type is InterfaceType.TextFile or InterfaceType.BinaryFile)
            {
                throw new StageException(position, $"{spec.Pipeline} writes output '{parameter.Name}' ({parameter.Type}) to a file; a stage passes its result in memory");
            }

            if (type == InterfaceType.Image && imageOutput < 0)
            {
                imageOutput = outputs.Count;
            }

            args.Add(outputs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            outputs.Add(new PipelineOutput(type));
        }

        if (!imageInput || imageOutput < 0)
        {
            throw new StageException(position, $"{spec.Pipeline} does not take an image and return an image");
        }

        args.AddRange(spec.ArgsFor(input.ImageType.Dimension));
        // An override takes the module's own command line (the interface above is the module's).
        var result = chosen is null
            ? await pipeline.RunAsync(args, outputs, [PipelineInput.Image(input)], options, cancellationToken).ConfigureAwait(false)
            : await chosen.RunAsync(args, outputs, [PipelineInput.Image(input)], options, cancellationToken).ConfigureAwait(false);
        foreach (var (output, i) in result.Outputs.Select((o, i) => (o, i)))
        {
            if (i != imageOutput)
            {
                (output as IDisposable)?.Dispose();
            }
        }

        if (chosen is null)
        {
            var runtime = new TagList { { ClusterTelemetry.Runtime, pipeline.Reference.Kind == PipelineModuleKind.Npm ? "node" : "wasmtime" } };
            (result.Timings.Compile > TimeSpan.Zero ? ClusterTelemetry.ModulesCompiled : ClusterTelemetry.ModuleCacheHits).Add(1, runtime);
        }

        return (result.Output<Image>(imageOutput), result.Timings);
    }
}
