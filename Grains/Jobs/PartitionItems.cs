using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>How a partition's item records change: on a new submission, on activation, and when an attempt ends.</summary>
internal static class PartitionItems
{
    /// <summary>The record of <paramref name="item"/> as submitted now: the one <paramref name="known"/> when it is the
    /// same item at the same version; otherwise a new one, which keeps the content key of its last result so that an
    /// unchanged result is found and kept.</summary>
    public static ItemRecord Merge(PartitionItem item, ItemRecord? known) =>
        known is not null && known.Output == item.Output && known.Version == item.Version
            ? known with { Index = item.Index }
            : new ItemRecord
            {
                Index = item.Index,
                Input = item.Input,
                Output = item.Output,
                Version = item.Version,
                InputHash = item.ContentHash,
                InputLength = item.Length,
                ContentKey = known?.Output == item.Output ? known.ContentKey : null,
            };

    /// <summary>Counts <paramref name="items"/> by status.</summary>
    public static JobCounts Count(IReadOnlyList<ItemRecord> items)
    {
        int pending = 0, running = 0, succeeded = 0, failed = 0;
        foreach (var r in items)
        {
            switch (r.Status)
            {
                case ItemStatus.Pending: pending++; break;
                case ItemStatus.Running: running++; break;
                case ItemStatus.Succeeded: succeeded++; break;
                default: failed++; break;
            }
        }

        return new JobCounts(items.Count, pending, running, succeeded, failed);
    }

    /// <summary>Marks the items stored as running pending again, each with one more silo loss: their attempts were cut
    /// short by the end of the partition's silo (a graceful end stores them as pending, uncounted). An item that runs by
    /// chunks keeps its plan; its chunks stored as running are pending again, each with one more silo loss.</summary>
    public static void CountInterrupted(PartitionState state)
    {
        var items = state.Items;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Status != ItemStatus.Running)
            {
                continue;
            }

            if (state.Chunked.TryGetValue(items[i].Output, out var chunked))
            {
                items[i] = items[i] with { Status = ItemStatus.Pending };
                for (var c = 0; c < chunked.Chunks.Count; c++)
                {
                    if (chunked.Chunks[c].Status == ItemStatus.Running)
                    {
                        chunked.Chunks[c] = chunked.Chunks[c] with { Status = ItemStatus.Pending, SiloLosses = chunked.Chunks[c].SiloLosses + 1 };
                    }
                }
            }
            else
            {
                items[i] = items[i] with { Status = ItemStatus.Pending, SiloLosses = items[i].SiloLosses + 1 };
            }
        }
    }

    /// <summary>Drops the chunk plans of items that no longer run by them: finished, or submitted again as another
    /// item (another version of the input).</summary>
    public static void DropStaleChunks(PartitionState state)
    {
        var live = state.Items.Where(r => r.ChunksTotal > 0 && r.Status is ItemStatus.Pending or ItemStatus.Running).Select(r => r.Output).ToHashSet(StringComparer.Ordinal);
        foreach (var output in state.Chunked.Keys.Where(o => !live.Contains(o)).ToList())
        {
            state.Chunked.Remove(output);
        }
    }

    /// <summary>Gives the unfinished items a fresh budget of silo losses.</summary>
    /// <returns>Whether a record changed.</returns>
    public static bool ForgiveSiloLosses(PartitionState state)
    {
        var items = state.Items;
        var changed = false;
        foreach (var chunked in state.Chunked.Values)
        {
            for (var c = 0; c < chunked.Chunks.Count; c++)
            {
                if (chunked.Chunks[c] is { Status: not ItemStatus.Succeeded, SiloLosses: > 0 })
                {
                    chunked.Chunks[c] = chunked.Chunks[c] with { SiloLosses = 0 };
                    changed = true;
                }
            }
        }

        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { Status: ItemStatus.Pending or ItemStatus.Running, SiloLosses: > 0 })
            {
                items[i] = items[i] with { SiloLosses = 0 };
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>The record after attempt <paramref name="attempt"/> ended with <paramref name="result"/>: succeeded; or
    /// failed once the attempt was the last of <paramref name="retries"/> retries, pending otherwise.</summary>
    public static ItemRecord Ended(ItemRecord record, ItemResult result, int attempt, int retries) => result.Succeeded
        ? record with
        {
            Status = ItemStatus.Succeeded,
            Attempts = attempt,
            Error = null,
            Stderr = null,
            Duration = result.Duration,
            ContentKey = result.ContentKey,
            ResultHash = result.ResultHash,
            Silo = result.Silo,
            Reused = result.Reused,
            Implementations = result.Implementations ?? record.Implementations,
            StageSeconds = result.StageSeconds ?? record.StageSeconds,
        }
        : record with
        {
            Status = attempt > retries || result.Permanent ? ItemStatus.Failed : ItemStatus.Pending,
            Attempts = attempt,
            Error = result.Error,
            Stderr = result.Stderr,
            Duration = result.Duration,
            Silo = result.Silo,
            Reused = false,
        };

    /// <summary>The failed result of an item whose silos ended while running it more often than the retry budget.</summary>
    public static ItemResult LostTooOften(ItemRecord record, int attempt, string last) => new(false, TimeSpan.Zero,
        $"{record.SiloLosses} attempts were lost with the silo that ran them (it crashed, ran out of memory or was declared dead while running this item; the last: {last}); attempt {attempt} gives up",
        null, false, null, record.Silo ?? string.Empty);
}
