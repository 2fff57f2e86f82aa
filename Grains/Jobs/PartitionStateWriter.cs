using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// Writes a partition's state to the cluster store: one write at a time (changes made during a write go into the next),
/// at most one per <see cref="Interval"/> unless <paramref name="urgent"/>. A failed write is tried again with
/// <see cref="Backoff.Store"/>, keeping the state in memory meanwhile. Each write names the activation that made it
/// (<see cref="PartitionState.Writer"/>), so that a write refused as stale because an earlier write of this activation
/// landed though its reply was lost is told apart from a takeover by another activation; after a takeover nothing more
/// is written and <paramref name="superseded"/> runs once. Used on its grain's scheduler only.
/// </summary>
/// <param name="state">The partition's state.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">Where retries and takeovers are logged.</param>
/// <param name="partition">The partition's key, for the log.</param>
/// <param name="urgent">Whether writes go at once, without waiting out <see cref="Interval"/> (while stopping).</param>
/// <param name="superseded">Runs when another activation has taken the partition over.</param>
internal sealed partial class PartitionStateWriter(
    IPersistentState<PartitionState> state, TimeProvider time, ILogger logger, string partition, Func<bool> urgent, Func<Task> superseded)
{
    /// <summary>The shortest time between two writes while the partition runs.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly string writer = Guid.NewGuid().ToString("N");
    private Task? writing;
    private long lastWrite;
    private bool dirty;

    /// <summary>Gets whether another activation took the partition over: nothing is written any more.</summary>
    public bool Superseded { get; private set; }

    /// <summary>Writes the state as it is now (or as it is when the write in progress ends); completes once written.</summary>
    public async Task PersistAsync()
    {
        dirty = true;
        if (writing is not null)
        {
            await writing;
            return;
        }

        writing = WriteAsync();
        try
        {
            await writing;
        }
        finally
        {
            writing = null;
        }
    }

    private async Task WriteAsync()
    {
        var failures = 0;
        while (dirty && !Superseded)
        {
            // Changes that come close together share a write.
            var since = time.GetElapsedTime(lastWrite);
            if (!urgent() && since < Interval)
            {
                await Task.Delay(Interval - since, time);
            }

            lastWrite = time.GetTimestamp();
            dirty = false;
            state.State.Writer = writer;
            try
            {
                await state.WriteStateAsync();
                failures = 0;
            }
            catch (InconsistentStateException e)
            {
                switch (await LastWriterAsync(Backoff.Store.After(failures + 1)))
                {
                    case true:
                        // A write of this activation whose reply was lost (the store failed mid-request) had been
                        // applied: the retry was refused only because it carried the version from before it.
                        LogWriteLanded(logger, partition, e.Message);
                        dirty = true;
                        break;
                    case null:
                        // The store cannot be read either: try the write again later, and ask again.
                        dirty = true;
                        await Task.Delay(Backoff.Store.After(++failures), time);
                        break;
                    default:
                        // Another activation of this partition wrote since (this silo was declared dead while
                        // paused): it owns the items now.
                        LogSuperseded(logger, partition, e.Message);
                        Superseded = true;
                        await superseded();
                        break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The cluster store is unreachable: keep the state in memory and write it when it is back.
                var wait = Backoff.Store.After(++failures);
                LogWriteFailed(logger, partition, wait, e.Message);
                dirty = true;
                await Task.Delay(wait, time);
            }
        }
    }

    // Whether this activation wrote the stored state last (one of its writes landed though the reply was lost), or
    // null when the store cannot be read (the write is then tried again after retryIn). The state in memory, which may
    // have changed since, is kept; after a read, with the stored version's ETag.
    private async Task<bool?> LastWriterAsync(TimeSpan retryIn)
    {
        var mine = state.State;
        try
        {
            await state.ReadStateAsync();
            return state.State.Writer == writer;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWriteFailed(logger, partition, retryIn, e.Message);
            return null;
        }
        finally
        {
            state.State = mine;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: a write whose reply was lost had landed ({Reason}); it goes on from there")]
    private static partial void LogWriteLanded(ILogger logger, string partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} was taken over by another activation ({Reason}); this one stops")]
    private static partial void LogSuperseded(ILogger logger, string partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} could not write its state; retrying in {Delay} ({Reason})")]
    private static partial void LogWriteFailed(ILogger logger, string partition, TimeSpan delay, string reason);
}
