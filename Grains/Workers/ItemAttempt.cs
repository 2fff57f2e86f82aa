using System.Diagnostics;
using ItkWasm.Pipelines;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>One attempt at one item, as a <see cref="PipelineWorkerGrain"/> runs it off the grain's scheduler.</summary>
internal static class ItemAttempt
{
    /// <summary>Runs <paramref name="request"/>; a failure is a result, cancellation an exception.</summary>
    public static async Task<ItemResult> RunAsync(ItemExecutors executors, string silo, ItemRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        // The stages and transfers are children of the item's span on the partition's silo.
        var trace = ActivityContext.TryParse(request.TraceParent, null, isRemote: true, out var item) ? item : default;
        try
        {
            var executor = await executors.ForAsync(request.SpecJson, cancellationToken).ConfigureAwait(false);
            var (duration, reused, key, resultHash, stages) = await executor.ExecuteAsync(request.Input, request.Output, (request.RecordedContentKey, request.RecordedResultHash), request.InputHash, (silo, request.Attempt, trace), cancellationToken).ConfigureAwait(false);
            return new ItemResult(true, duration, null, null, reused, key, silo, stages is null ? null : string.Join(',', stages.Select(s => s.Implementation)), stages is null ? null : ItemRecord.FormatStageSeconds(stages.Select(s => s.Duration)), resultHash);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (message, stderr) = e is PipelineRunException failed ? (failed.Summary, failed.Stderr) : (e.Message, null);
            return new ItemResult(false, Stopwatch.GetElapsedTime(started), message, stderr, false, null, silo);
        }
    }
}
