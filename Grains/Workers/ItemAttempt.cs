using System.Diagnostics;
using ItkWasm.Pipelines;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>One attempt at one item, as a <see cref="PipelineWorkerGrain"/> runs it off the grain's scheduler.</summary>
internal static class ItemAttempt
{
    /// <summary>Runs <paramref name="request"/>; a failure is a result, cancellation an exception. The job's spec comes
    /// from the partition that sent the request, the first time this silo runs one of the job's items.</summary>
    public static async Task<ItemResult> RunAsync(ItemRunners runners, IGrainFactory grains, TimeProvider time, string silo, ItemRequest request, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        // The stages and transfers are children of the item's span on the partition's silo.
        var trace = ActivityContext.TryParse(request.TraceParent, null, isRemote: true, out var item) ? item : default;
        try
        {
            var runner = await runners.ForAsync(request.JobId, () => grains.GetGrain<Jobs.IPartitionGrain>($"{request.JobId}/{request.Partition}").GetSpecAsync(), cancellationToken).ConfigureAwait(false);
            if (request.Plan is { } plan)
            {
                var (took, implementation, hash) = await runner.ExecuteChunkAsync(request.Input, request.Output, plan, request.Chunk, (silo, request.Attempt, trace), cancellationToken).ConfigureAwait(false);
                return new ItemResult(true, took, null, null, false, plan.ContentKey, silo, implementation, null, hash);
            }

            var outcome = await runner.ExecuteAsync(request.Input, request.Output, (request.RecordedContentKey, request.RecordedResultHash), request.InputHash, request.InputLength, (silo, request.Attempt, trace), cancellationToken).ConfigureAwait(false);
            var stages = outcome.Stages;
            return new ItemResult(true, outcome.Duration, null, null, outcome.Reused, outcome.ContentKey, silo, stages is null ? null : string.Join(',', stages.Select(s => s.Implementation)), stages is null ? null : ItemRecord.FormatStageSeconds(stages.Select(s => s.Duration)), outcome.ResultHash, outcome.Planned);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (message, stderr) = e is PipelineRunException failed ? (failed.Summary, failed.Stderr) : (e.Message, null);
            if (request.Plan is { } plan && request.Chunk < plan.Count)
            {
                message = $"{ItemChunks.Describe(plan, request.Chunk)}: {message}";
            }

            return new ItemResult(false, time.GetElapsedTime(started), message, stderr, false, null, silo, Permanent: Permanent(e));
        }
    }

    /// <summary>Returns whether the failure <paramref name="e"/> would recur on a retry: a pipeline that exited with an
    /// error or is no usable module (the same input and arguments give the same exit), an input no reader accepts or
    /// one that is malformed, an item that cannot be chunked as the job asks. Traps, timeouts, out-of-memory and I/O
    /// failures may be transient (a busy silo, a lost connection) and are retried.</summary>
    internal static bool Permanent(Exception e) => e switch
    {
        PipelineRunException failed => failed.Kind is PipelineFailureKind.NonZeroExit or PipelineFailureKind.InvalidModule or PipelineFailureKind.UnsupportedModule or PipelineFailureKind.InvalidRequest,
        StageException or ItkWasm.IO.ItkWasmFormatException or ItkWasm.Zarr.ZarrFormatException or NotSupportedException => true,
        _ => false,
    };
}
