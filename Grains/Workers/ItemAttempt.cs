using System.Diagnostics;
using System.Text.Json.Nodes;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>One attempt at one item, as a <see cref="PipelineWorkerGrain"/> runs it off the grain's scheduler: the job's
/// <see cref="TaskExecutor"/>, with the item's recorded content key standing in for the job store's record.</summary>
internal static class ItemAttempt
{
    private static readonly IReadOnlyDictionary<string, InputHash> NoHashes = new Dictionary<string, InputHash>();

    /// <summary>Runs <paramref name="request"/>; a failure is a result, cancellation an exception.</summary>
    public static async Task<ItemResult> RunAsync(IWasmRuntime runtime, string silo, ItemRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var spec = JobSpecParser.FromJson(JsonNode.Parse(request.SpecJson));
            var executor = await TaskExecutor.CreateAsync(
                spec, new FileSystemBlobStore(spec.Input.Location), new FileSystemBlobStore(spec.Output.Location),
                (keys, _) => Task.FromResult<IReadOnlyDictionary<string, string>>(Recorded(keys, request)), runtime, NoHashes, cancellationToken).ConfigureAwait(false);
            var lease = new TaskLease(request.JobId, request.Index, request.Input, request.Output, request.Attempt, silo, DateTimeOffset.MaxValue);
            var outcome = await executor.ExecuteAsync(lease, _ => Task.FromResult(true), cancellationToken).ConfigureAwait(false);
            return new ItemResult(true, outcome.Duration, null, null, outcome.Reused, outcome.ContentKey ?? request.RecordedContentKey, silo);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (message, stderr) = e is PipelineRunException failed ? (failed.Summary, failed.Stderr) : (e.Message, null);
            return new ItemResult(false, Stopwatch.GetElapsedTime(started), message, stderr, false, null, silo);
        }
    }

    private static Dictionary<string, string> Recorded(IReadOnlyCollection<string> keys, ItemRequest request)
    {
        var recorded = new Dictionary<string, string>();
        if (request.RecordedContentKey is { } key && keys.Contains(key))
        {
            recorded[key] = request.Output;
        }

        return recorded;
    }
}
