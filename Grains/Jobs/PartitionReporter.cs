using ItkWasmCluster.Jobs;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// Sends a partition's item events to its job grain (<see cref="IJobProgressGrain.ReportAsync"/>) in batches, one call
/// at a time: events that arrive during a call go into the next, each batch with the partition's counts as they are
/// when it is sent. A failed call (the job grain's silo was lost, the cluster store is briefly unreachable) is sent
/// again with <see cref="Backoff.Reports"/>, unless the partition is stopping: then the job grain may be going too (its
/// silo is shutting down), and retrying would hold up the shutdown; the events are dropped, and the counts, which the
/// job grain asks its partitions for when it starts, stay right. Used on its grain's scheduler only.
/// </summary>
/// <param name="send">Sends one batch.</param>
/// <param name="stopped">Whether the partition gave up its items (then nothing more is sent).</param>
/// <param name="stopping">Whether the partition is stopping (then a failed send is not retried).</param>
/// <param name="time">The clock.</param>
/// <param name="logger">Where failed sends are logged.</param>
/// <param name="partition">The partition's key, for the log.</param>
internal sealed partial class PartitionReporter(
    Func<IReadOnlyList<ItemEvent>, Task> send, Func<bool> stopped, Func<bool> stopping, TimeProvider time, ILogger logger, string partition)
{
    private readonly List<ItemEvent> unreported = [];
    private Task? sending;

    /// <summary>Queues <paramref name="e"/>, and sends it unless a call is in progress.</summary>
    public void Add(ItemEvent e)
    {
        unreported.Add(e);
        if (sending is null || sending.IsCompleted)
        {
            sending = SendAsync();
        }
    }

    /// <summary>Completes once every event queued so far was sent.</summary>
    public async Task FlushAsync()
    {
        if (unreported.Count > 0 && (sending is null || sending.IsCompleted))
        {
            sending = SendAsync();
        }

        if (sending is not null)
        {
            await sending;
        }
    }

    private async Task SendAsync()
    {
        var failures = 0;
        while (unreported.Count > 0 && !stopped())
        {
            var batch = unreported.ToArray();
            try
            {
                await send(batch);
                unreported.RemoveRange(0, batch.Length);
                failures = 0;
            }
            catch (Exception e) when (stopping())
            {
                LogReportDropped(logger, partition, unreported.Count, e);
                unreported.Clear();
            }
            catch (Exception e)
            {
                LogReportFailed(logger, partition, e);
                await Task.Delay(Backoff.Reports.After(++failures), time);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} could not report to its job; retrying")]
    private static partial void LogReportFailed(ILogger logger, string partition, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Partition {Partition} is stopping and could not report to its job; {Count} item events dropped")]
    private static partial void LogReportDropped(ILogger logger, string partition, int count, Exception exception);
}
