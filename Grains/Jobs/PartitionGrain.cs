using System.Text.Json.Nodes;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using Orleans.Concurrency;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// The <see cref="IPartitionGrain"/>: a dispatch loop on the grain's own scheduler (reentrant, so reads and stops
/// interleave with it) keeps up to <see cref="Window"/> attempts in flight, each on the worker grain of its slot
/// (placed on this silo), and writes the state after completions, one write at a time (completions that arrive during
/// a write are written by the next). An attempt that fails is retried after 250 ms, doubling up to 10 s, until the job's retry budget is spent; a
/// call that fails for the cluster's reasons (a silo lost) runs again without counting.
/// </summary>
[Reentrant]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The dispatch loop disposes its cancellation source when it ends.")]
internal sealed class PartitionGrain(
    [PersistentState("partition", ClusterStoreOptions.GrainStorageName)] IPersistentState<PartitionState> state) : Grain, IPartitionGrain
{
    /// <summary>How many attempts one partition keeps in flight.</summary>
    internal const int Window = 4;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private readonly Dictionary<int, DateTimeOffset> notBefore = [];
    private readonly Stack<int> freeSlots = new(Enumerable.Range(0, Window).Reverse());
    private CancellationTokenSource? attempts;
    private Task? loop;
    private Task? writing;
    private bool dirty;
    private bool stopping;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Attempts that were in flight when the partition's silo stopped start again, uncounted.
        state.State.Items = state.State.Items.Select(r => r.Status == ItemStatus.Running ? r with { Status = ItemStatus.Pending } : r).ToList();
        if (state.State.Running)
        {
            EnsureRunning();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StartAsync(string specJson, IReadOnlyList<PartitionItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var known = state.State.Items.ToDictionary(r => r.Item.Index);
        state.State.SpecJson = specJson;
        state.State.Items = items.OrderBy(i => i.Index).Select(item =>
            known.TryGetValue(item.Index, out var record) && record.Item == item
                ? record
                : new ItemRecord { Item = item, ContentKey = known.GetValueOrDefault(item.Index)?.ContentKey }).ToList();
        state.State.Running = true;
        stopping = false;
        await PersistAsync();
        EnsureRunning();
    }

    /// <inheritdoc/>
    public Task<PartitionSnapshot> GetAsync()
    {
        var items = state.State.Items;
        return Task.FromResult(new PartitionSnapshot(
            [.. items], Count(ItemStatus.Pending), Count(ItemStatus.Running), Count(ItemStatus.Succeeded), Count(ItemStatus.Failed)));

        int Count(ItemStatus status) => items.Count(r => r.Status == status);
    }

    /// <inheritdoc/>
    public async Task StopAsync()
    {
        stopping = true;
        state.State.Running = false;
        if (attempts is not null)
        {
            await attempts.CancelAsync();
        }

        if (loop is not null)
        {
            await loop;
        }

        await PersistAsync();
    }

    private void EnsureRunning()
    {
        if (loop is null || loop.IsCompleted)
        {
            loop = RunAsync();
        }
    }

    private async Task RunAsync()
    {
        var retries = JobSpecParser.FromJson(JsonNode.Parse(state.State.SpecJson)).Retries;
        using var source = new CancellationTokenSource();
        attempts = source;
        var inFlight = new List<Task>();
        while (!stopping)
        {
            var now = DateTimeOffset.UtcNow;
            var items = state.State.Items;
            for (var i = 0; i < items.Count && inFlight.Count < Window; i++)
            {
                if (items[i].Status == ItemStatus.Pending && notBefore.GetValueOrDefault(i) <= now)
                {
                    items[i] = items[i] with { Status = ItemStatus.Running };
                    inFlight.Add(AttemptAsync(i, retries, source.Token));
                }
            }

            if (inFlight.Count == 0)
            {
                var waiting = items.Select((r, i) => (r, i)).Where(p => p.r.Status == ItemStatus.Pending).Select(p => notBefore.GetValueOrDefault(p.i)).ToList();
                if (waiting.Count == 0)
                {
                    break;
                }

                await Task.Delay(waiting.Min() - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(10));
                continue;
            }

            inFlight.Remove(await Task.WhenAny(inFlight));
        }

        await Task.WhenAll(inFlight);
        attempts = null;
        await PersistAsync();
    }

    private async Task AttemptAsync(int i, int retries, CancellationToken cancellation)
    {
        var record = state.State.Items[i];
        var request = new ItemRequest(this.GetPrimaryKeyString().Split('/')[0], state.State.SpecJson, record.Item.Index,
            record.Item.Input, record.Item.Output, record.Attempts + 1, record.ContentKey);
        var slot = freeSlots.Pop();
        ItemResult result;
        try
        {
            result = await GrainFactory.GetGrain<IPipelineWorkerGrain>($"{this.GetPrimaryKeyString()}#{slot}").RunAsync(request, cancellation);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            // Stopped, or the worker's silo was lost: the attempt does not count.
            state.State.Items[i] = record with { Status = ItemStatus.Pending };
            notBefore[i] = DateTimeOffset.UtcNow + (stopping ? TimeSpan.Zero : FirstBackoff);
            return;
        }
        finally
        {
            freeSlots.Push(slot);
        }

        var attempt = record.Attempts + 1;
        if (result.Succeeded)
        {
            state.State.Items[i] = record with
            {
                Status = ItemStatus.Succeeded,
                Attempts = attempt,
                Error = null,
                Stderr = null,
                Duration = result.Duration,
                ContentKey = result.ContentKey,
                Silo = result.Silo,
                Reused = result.Reused,
            };
        }
        else
        {
            state.State.Items[i] = record with
            {
                Status = attempt > retries ? ItemStatus.Failed : ItemStatus.Pending,
                Attempts = attempt,
                Error = result.Error,
                Stderr = result.Stderr,
                Duration = result.Duration,
                Silo = result.Silo,
                Reused = false,
            };
            notBefore[i] = DateTimeOffset.UtcNow + TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(attempt - 1, 20)));
        }

        await PersistAsync();
    }

    // One write at a time: a change made during a write is written by the next one.
    private async Task PersistAsync()
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

        async Task WriteAsync()
        {
            while (dirty)
            {
                dirty = false;
                await state.WriteStateAsync();
            }
        }
    }
}
