using System.Diagnostics;
using ItkWasm;
using ItkWasm.Chunks;
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

    /// <summary>Returns how the stage runs by chunks on images of <paramref name="dimension"/>: the rule of a pipeline
    /// the project knows (<see cref="ChunkRule.Known"/>), else the halo the stage declares
    /// (<see cref="ChunkRule.Declared"/>); null when it has neither.</summary>
    /// <exception cref="StageException">The declared halo does not fit the dimension.</exception>
    public ChunkRule? RuleFor(int dimension)
    {
        var args = spec.ArgsFor(dimension);
        try
        {
            return ChunkRule.Known(pipeline.Reference, args, dimension) ?? (spec.Halo is { } halo ? ChunkRule.Declared(halo, args, dimension) : null);
        }
        catch (ArgumentException e)
        {
            throw new StageException(position, $"halo: {e.Message}");
        }
    }

    /// <summary>Runs the stage on a whole image: by its <see cref="RuleFor">rule</see>, when it has one, as a single
    /// chunk on the index grid (so that the result is the one any chunking of the image gives), otherwise as
    /// <see cref="RunAsync"/> does.</summary>
    public async Task<(Image Result, string Implementation)> RunWholeAsync(Image input, PipelineRunOptions options, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        var dimension = input.ImageType.Dimension;
        if (RuleFor(dimension) is not { } rule || Enumerable.Range(0, dimension).Any(d => input.Size[d] < rule.Factors[d]))
        {
            return await RunAsync(input, options, attempt, cancellationToken).ConfigureAwait(false);
        }

        var implementation = StageImplementations.Wasm;
        var result = await ChunkedRun.RunAsync(input, rule, spec.ArgsFor(dimension), rule.OutputSize(input.Size), async (image, args, ct) =>
        {
            (var output, implementation) = await RunAsync(image, options, attempt, ct, args).ConfigureAwait(false);
            return output;
        }, ResultHeaderAsync, cancellationToken).ConfigureAwait(false);
        return (result, implementation);
    }

    /// <summary>Returns the result's header for a probe region (<see cref="ChunkedRun.ProbeRegion"/>): the one found
    /// for a probe with the same type, geometry and metadata before, else what <paramref name="probe"/> gives. A dataset
    /// of images on one grid runs the probe once per silo.</summary>
    public async Task<Image> ResultHeaderAsync(Image region, Func<Task<Image>> probe)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ImageLayout.ForCbor(region).Prefix));
        if (!headers.TryGetValue(key, out var known))
        {
            known = await probe().ConfigureAwait(false);
            if (headers.Count >= MaxHeaders)
            {
                headers.Clear();
            }

            headers[key] = known;
        }

        var header = new Image(known.ImageType) { Name = known.Name, Origin = [.. known.Origin], Spacing = [.. known.Spacing], Direction = [.. known.Direction], Size = [.. known.Size] };
        foreach (var (name, value) in known.Metadata)
        {
            header.Metadata[name] = value;
        }

        return header;
    }

    // Result headers by their probe's header (its SHA-256); headers hold no pixels.
    private const int MaxHeaders = 256;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Image> headers = new(StringComparer.Ordinal);

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
    /// <param name="args">The stage's arguments, when not its spec's (a chunk's); null for the spec's.</param>
    public async Task<(Image Result, string Implementation)> RunAsync(Image input, PipelineRunOptions options, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken, IReadOnlyList<string>? args = null)
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
            var (image, _) = await RunOnAsync(chosen, input, args ?? spec.ArgsFor(input.ImageType.Dimension), options, cancellationToken).ConfigureAwait(false);
            ClusterTelemetry.StageRuns.Add(1, tags);
            return (image, implementation);
        }
        catch (PipelineRunException e) when (chosen is not null)
        {
            // The override failed or refused the item: say so, rather than blame the module it stands in for.
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw new StageException(position, $"the {implementation} override of {e.Message}");
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

    private async Task<(Image Result, PipelineTimings Timings)> RunOnAsync(IPipelineOverride? chosen, Image input, IReadOnlyList<string> stageArgs, PipelineRunOptions options, CancellationToken cancellationToken)
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

        args.AddRange(stageArgs);
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
