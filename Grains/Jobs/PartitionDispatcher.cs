using System.Diagnostics;
using ItkWasm.Pipelines.Dispatch;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// A partition's dispatch loop, on its grain's scheduler: sends each pending item to the worker grain of the active
/// silo with a free compute slot and the fewest attempts in flight per slot, as the silo's <see cref="AttemptLedger"/>
/// counts them (<see cref="AttemptLedger.TakeLeastLoaded"/>), so that no silo holds more attempts than its slots and
/// every silo, one that joined after the job started too, gets work as soon as a slot frees. Records each attempt's
/// start and end in the partition's state (<see cref="PartitionItems"/>), written by the
/// <see cref="PartitionStateWriter"/>, and reports them through the <see cref="PartitionReporter"/>. A failed attempt
/// runs again after <see cref="Backoff.Attempts"/> until the job's retry budget is spent; a call that fails for the
/// cluster's reasons (a silo declared dead, a timeout) runs again elsewhere, counted as a silo loss.
/// </summary>
/// <param name="partition">The partition's state, writer, reporter and place in its job.</param>
/// <param name="cluster">The cluster's active silos and their slots.</param>
/// <param name="ledger">This silo's attempts in flight per silo.</param>
/// <param name="grains">The partition grain's factory, for the worker calls.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">Where lost attempts are logged.</param>
internal sealed partial class PartitionDispatcher(
    PartitionDispatcher.Partition partition, ClusterSlots cluster, AttemptLedger ledger, IGrainFactory grains, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan MembershipCheck = TimeSpan.FromSeconds(1);
    private readonly Dictionary<int, DateTimeOffset> notBefore = [];
    private readonly Dictionary<(int Item, int Chunk), DateTimeOffset> chunkNotBefore = [];
    private readonly HashSet<string> committing = new(StringComparer.Ordinal);
    private readonly IPersistentState<PartitionState> state = partition.State;
    private readonly string jobId = partition.JobId;
    private readonly int index = partition.Index;
    private CancellationTokenSource? attempts;
    private Task? loop;
    private TaskCompletionSource? wake;

    /// <summary>Gets whether the loop is stopping (or stopped): attempts that end now are not counted.</summary>
    public bool Stopping { get; private set; }

    /// <summary>Gets whether the loop is running.</summary>
    public bool Running => loop is { IsCompleted: false };

    /// <summary>Starts the loop over <paramref name="spec"/>'s items unless it runs; it ends when no item is pending.</summary>
    public void EnsureRunning(JobSpec spec, bool wantsGpu)
    {
        Stopping = false;
        if (!partition.Writes.Superseded && !Running)
        {
            loop = DispatchAsync(spec, wantsGpu);
        }
    }

    /// <summary>Cancels the attempts in flight (their items stay pending, uncounted) and tells the loop to end, without
    /// waiting for it.</summary>
    public async Task CancelAsync()
    {
        Stopping = true;
        if (attempts is not null)
        {
            await attempts.CancelAsync();
        }

        wake?.TrySetResult();
    }

    /// <summary>Cancels the attempts in flight and waits for the loop to end (it writes the state and sends the last
    /// events first).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the wait first.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await CancelAsync();
        if (loop is not null)
        {
            await loop.WaitAsync(cancellationToken);
        }
    }

    private async Task DispatchAsync(JobSpec spec, bool wantsGpu)
    {
        var tags = ClusterTelemetry.JobTags(jobId, spec.Name);
        ClusterTelemetry.SetQueued(this, jobId, PartitionItems.Count(state.State.Items).Pending);
        using var source = new CancellationTokenSource();
        attempts = source;
        var inFlight = new List<Task>();
        var next = 0; // where the search for a pending item resumes: O(1) per dispatch over a pass
        while (!Stopping && !partition.Writes.Superseded)
        {
            var now = time.GetUtcNow();
            var items = state.State.Items;
            var silos = cluster.Active();
            // A job with stages that want a GPU runs on the GPU silos while there are any, elsewhere otherwise (auto
            // then falls back to the CPU; a stage that insists on a GPU fails there, saying why).
            var gpuSilos = wantsGpu ? silos.Where(s => s.Capabilities.Contains(PipelineCapabilities.Gpu)).ToArray() : [];
            var onGpu = gpuSilos.Length > 0;
            var full = false;
            var target = onGpu ? gpuSilos : silos;
            for (var scanned = 0; scanned < items.Count; scanned++, next = (next + 1) % items.Count)
            {
                if (state.State.Chunked.TryGetValue(items[next].Output, out var chunked))
                {
                    if (DispatchChunks(next, chunked, target, onGpu, spec.Retries, tags, inFlight, now, source.Token))
                    {
                        full = true;
                        break;
                    }
                }
                else if (items[next].Status == ItemStatus.Pending && notBefore.GetValueOrDefault(next) <= now)
                {
                    if (ledger.TakeLeastLoaded(target, index, partition.Local) is not { } silo)
                    {
                        full = true;
                        break;
                    }

                    inFlight.Add(AttemptAsync(next, silo, onGpu, spec.Retries, tags, source.Token));
                }
            }

            if (inFlight.Count == 0 && !full)
            {
                var waiting = items.Select((r, i) => (r, i)).Where(p => p.r.Status == ItemStatus.Pending && !state.State.Chunked.ContainsKey(p.r.Output)).Select(p => notBefore.GetValueOrDefault(p.i))
                    .Concat(ChunksWaiting(items)).ToList();
                if (waiting.Count == 0)
                {
                    break;
                }

                await Task.Delay(waiting.Min() - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(10), time);
                continue;
            }

            // Wake on the first completion, on a slot freed by another partition when every silo was full, or after a
            // while to take in silos that joined.
            wake = new TaskCompletionSource();
            var wakes = new List<Task>(4) { wake.Task, Task.Delay(MembershipCheck, time) };
            if (inFlight.Count > 0)
            {
                wakes.Add(Task.WhenAny(inFlight));
            }

            if (full)
            {
                wakes.Add(ledger.WhenReturnedAsync());
            }

            await Task.WhenAny(wakes);
            inFlight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inFlight);
        // An item between its chunks waits, like any pending item, for the next run.
        for (var i = 0; i < state.State.Items.Count; i++)
        {
            if (state.State.Items[i].Status == ItemStatus.Running && state.State.Chunked.ContainsKey(state.State.Items[i].Output))
            {
                state.State.Items[i] = state.State.Items[i] with { Status = ItemStatus.Pending };
            }
        }

        ClusterTelemetry.SetQueued(this, jobId, 0);
        attempts = null;
        await partition.Writes.PersistAsync();
        await partition.Reports.FlushAsync();
    }

    private async Task AttemptAsync(int i, SiloAddress silo, bool onGpu, int retries, TagList tags, CancellationToken cancellation)
    {
        var record = state.State.Items[i] = state.State.Items[i] with { Status = ItemStatus.Running };
        var attempt = record.Attempts + 1;
        _ = partition.Writes.PersistAsync(); // stored as running (coalesced with other writes), so that a crash of this silo counts
        using var span = ClusterTelemetry.StartItemSpan(jobId, record.Input, attempt, silo.ToString());
        Report(record, ItemStatus.Running, attempt, TimeSpan.Zero, null, false, silo.ToString());
        var request = new ItemRequest(jobId, index, record.Index, record.Input, record.Output, attempt, record.ContentKey, record.InputHash, span?.Id, record.ResultHash, InputLength: record.InputLength);
        ItemResult result;
        try
        {
            if (record.SiloLosses > retries)
            {
                // The silos that ran it ended while they did, as often as the budget allows: it fails without running.
                result = PartitionItems.LostTooOften(record, attempt = Math.Max(attempt, retries + 1), "its silo");
            }
            else
            {
                result = await CallWorkerAsync(silo, onGpu, request, cancellation);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            // Stopped: the attempt does not count. The worker's silo was lost: it counts as a loss, and the item runs
            // again until its losses pass the retry budget (an input that kills its silo must not kill them all).
            var lost = !Stopping && e is not OperationCanceledException;
            if (lost)
            {
                LogAttemptLost(logger, jobId, record.Input, silo, e.Message);
                record = state.State.Items[i] = record with { SiloLosses = record.SiloLosses + 1 };
            }

            span?.SetStatus(ActivityStatusCode.Error, $"the attempt was lost: {e.Message}");
            if (!lost || record.SiloLosses <= retries)
            {
                state.State.Items[i] = record with { Status = ItemStatus.Pending };
                notBefore[i] = time.GetUtcNow() + (Stopping ? TimeSpan.Zero : Backoff.Attempts.After(1));
                Report(record, ItemStatus.Pending, attempt, TimeSpan.Zero, null, false, silo.ToString());
                if (lost)
                {
                    _ = partition.Writes.PersistAsync();
                }

                return;
            }

            result = PartitionItems.LostTooOften(record, attempt = Math.Max(attempt, retries + 1), $"{silo} ({e.Message})");
        }
        catch (Exception e)
        {
            // The worker broke in a way an attempt does not report (it turns the item's own failures into results):
            // count it, so that a fault that repeats ends in a failed item rather than a loop.
            result = new ItemResult(false, TimeSpan.Zero, $"the worker on {silo} failed: {e.Message}", null, false, null, silo.ToString());
        }
        finally
        {
            ledger.Return(silo);
        }

        if (result is { Succeeded: true, Planned: { } plan })
        {
            // Too large to run whole: its chunks run as attempts of their own, then its commit.
            state.State.Chunked[record.Output] = new ChunkedItem { Plan = plan, Chunks = [.. Enumerable.Repeat(new ChunkRecord(), plan.Count)] };
            record = state.State.Items[i] = record with { Status = ItemStatus.Running, Attempts = attempt, Silo = result.Silo, ChunksTotal = plan.Count, ChunksDone = 0, Error = null, Stderr = null };
            Report(record, ItemStatus.Running, attempt, result.Duration, null, false, result.Silo);
            _ = partition.Writes.PersistAsync();
            return;
        }

        await EndedAsync(i, record, result, attempt, retries, tags, span);
    }

    // Records how an item's attempt (a whole item's, its commit's, or its last chunk's that failed) ended, reports it
    // and writes it. An item that ends drops its chunk plan.
    private async Task EndedAsync(int i, ItemRecord record, ItemResult result, int attempt, int retries, TagList tags, Activity? span)
    {
        ClusterTelemetry.ItemDuration.Record(result.Duration.TotalSeconds, tags);
        record = state.State.Items[i] = PartitionItems.Ended(record, result, attempt, retries);
        if (record.Status is ItemStatus.Succeeded or ItemStatus.Failed)
        {
            state.State.Chunked.Remove(record.Output);
        }

        if (result.Succeeded)
        {
            ClusterTelemetry.ItemsCompleted.Add(1, tags);
            span?.SetTag("itkwasm.item.reused", result.Reused);
        }
        else
        {
            notBefore[i] = time.GetUtcNow() + Backoff.Attempts.After(attempt);
            (record.Status == ItemStatus.Failed ? ClusterTelemetry.ItemsFailed : ClusterTelemetry.ItemsRetried).Add(1, tags);
            span?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        var counts = PartitionItems.Count(state.State.Items);
        ClusterTelemetry.SetQueued(this, jobId, counts.Pending);

        // Reported with the change, before any await: every report's counts then come with the events that led to them.
        // The write follows, without holding the attempt's place. The partition's last completion is written first: a
        // job that has seen all its partitions finish ends, and its silo may then stop at once, so the records must
        // already be stored (a run of the finished job again then does no work).
        if (counts.IsFinished)
        {
            await partition.Writes.PersistAsync();
        }

        Report(record, record.Status, attempt, result.Duration, result.Error, result.Reused, result.Silo);
        if (!counts.IsFinished)
        {
            _ = partition.Writes.PersistAsync();
        }
    }

    // Sends the pending chunks of an item that runs by chunks, and its commit once every chunk is done; true when every
    // silo is full.
    private bool DispatchChunks(int i, ChunkedItem chunked, IReadOnlyList<SiloSlots> silos, bool onGpu, int retries, TagList tags, List<Task> inFlight, DateTimeOffset now, CancellationToken cancellation)
    {
        var done = 0;
        for (var c = 0; c < chunked.Chunks.Count; c++)
        {
            if (chunked.Chunks[c].Status == ItemStatus.Succeeded)
            {
                done++;
            }
            else if (chunked.Chunks[c].Status == ItemStatus.Pending && chunkNotBefore.GetValueOrDefault((i, c)) <= now)
            {
                if (ledger.TakeLeastLoaded(silos, index, partition.Local) is not { } silo)
                {
                    return true;
                }

                inFlight.Add(ChunkAttemptAsync(i, chunked, c, silo, onGpu, retries, tags, cancellation));
            }
        }

        if (done == chunked.Chunks.Count && !committing.Contains(state.State.Items[i].Output) && notBefore.GetValueOrDefault(i) <= now)
        {
            if (ledger.TakeLeastLoaded(silos, index, partition.Local) is not { } silo)
            {
                return true;
            }

            inFlight.Add(CommitAttemptAsync(i, chunked, silo, onGpu, retries, tags, cancellation));
        }

        return false;
    }

    // When the next pending chunks may run.
    private IEnumerable<DateTimeOffset> ChunksWaiting(List<ItemRecord> items) =>
        items.Select((r, i) => (Chunked: state.State.Chunked.GetValueOrDefault(r.Output), i)).Where(p => p.Chunked is not null)
            .SelectMany(p => p.Chunked!.Chunks.Select((c, n) => (c, n)).Where(c => c.c.Status == ItemStatus.Pending).Select(c => chunkNotBefore.GetValueOrDefault((p.i, c.n))));

    // Whether the item at i still runs by the plan the attempt was sent for (not failed, nor submitted again since).
    private bool Current(int i, ChunkedItem chunked) =>
        i < state.State.Items.Count && state.State.Chunked.TryGetValue(state.State.Items[i].Output, out var now) && ReferenceEquals(now, chunked);

    private async Task ChunkAttemptAsync(int i, ChunkedItem chunked, int c, SiloAddress silo, bool onGpu, int retries, TagList tags, CancellationToken cancellation)
    {
        var chunk = chunked.Chunks[c] = chunked.Chunks[c] with { Status = ItemStatus.Running };
        var record = state.State.Items[i];
        var attempt = chunk.Attempts + 1;
        if (record.Status != ItemStatus.Running)
        {
            record = state.State.Items[i] = record with { Status = ItemStatus.Running };
            Report(record, ItemStatus.Running, record.Attempts, TimeSpan.Zero, null, false, silo.ToString());
        }

        _ = partition.Writes.PersistAsync(); // stored as running, so that a crash of this silo counts
        using var span = ClusterTelemetry.StartItemSpan(jobId, $"{record.Input} {ItemChunks.Describe(chunked.Plan, c)}", attempt, silo.ToString());
        var request = new ItemRequest(jobId, index, record.Index, record.Input, record.Output, attempt, record.ContentKey, record.InputHash, span?.Id, record.ResultHash, chunked.Plan, c);
        ItemResult result;
        try
        {
            result = chunk.SiloLosses > retries
                ? PartitionItems.LostTooOften(record with { SiloLosses = chunk.SiloLosses }, attempt, "its silo")
                : await CallWorkerAsync(silo, onGpu, request, cancellation);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            // As for a whole item: a stop does not count; a lost silo counts against the chunk's budget.
            var lost = !Stopping && e is not OperationCanceledException;
            if (lost)
            {
                LogAttemptLost(logger, jobId, $"{record.Input} {ItemChunks.Describe(chunked.Plan, c)}", silo, e.Message);
                chunk = chunk with { SiloLosses = chunk.SiloLosses + 1 };
            }

            span?.SetStatus(ActivityStatusCode.Error, $"the attempt was lost: {e.Message}");
            if (!lost || chunk.SiloLosses <= retries)
            {
                if (Current(i, chunked))
                {
                    chunked.Chunks[c] = chunk with { Status = ItemStatus.Pending };
                    chunkNotBefore[(i, c)] = time.GetUtcNow() + (Stopping ? TimeSpan.Zero : Backoff.Attempts.After(1));
                    if (lost)
                    {
                        _ = partition.Writes.PersistAsync();
                    }
                }

                return;
            }

            result = PartitionItems.LostTooOften(record with { SiloLosses = chunk.SiloLosses }, attempt = Math.Max(attempt, retries + 1), $"{silo} ({e.Message})");
        }
        catch (Exception e)
        {
            result = new ItemResult(false, TimeSpan.Zero, $"the worker on {silo} failed: {e.Message}", null, false, null, silo.ToString());
        }
        finally
        {
            ledger.Return(silo);
        }

        if (!Current(i, chunked))
        {
            return; // the item failed by another chunk, or was submitted again, meanwhile
        }

        record = state.State.Items[i];
        if (result.Succeeded)
        {
            chunked.Chunks[c] = chunk with { Status = ItemStatus.Succeeded, Attempts = attempt, Silo = result.Silo, Duration = result.Duration, Error = null, Implementation = result.Implementations };
            record = state.State.Items[i] = record with { ChunksDone = chunked.Done, Implementations = result.Implementations ?? record.Implementations };
            Report(record, ItemStatus.Running, record.Attempts, result.Duration, null, false, result.Silo);
            _ = partition.Writes.PersistAsync();
        }
        else if (attempt > retries || result.Permanent)
        {
            await EndedAsync(i, record, result, attempt, retries, tags, span); // the item fails with its chunk
        }
        else
        {
            span?.SetStatus(ActivityStatusCode.Error, result.Error);
            chunked.Chunks[c] = chunk with { Status = ItemStatus.Pending, Attempts = attempt, Silo = result.Silo, Duration = result.Duration, Error = result.Error };
            chunkNotBefore[(i, c)] = time.GetUtcNow() + Backoff.Attempts.After(attempt);
            ClusterTelemetry.ItemsRetried.Add(1, tags);
            _ = partition.Writes.PersistAsync();
        }
    }

    private async Task CommitAttemptAsync(int i, ChunkedItem chunked, SiloAddress silo, bool onGpu, int retries, TagList tags, CancellationToken cancellation)
    {
        var record = state.State.Items[i];
        var attempt = record.Attempts + 1;
        committing.Add(record.Output);
        using var span = ClusterTelemetry.StartItemSpan(jobId, $"{record.Input} commit", attempt, silo.ToString());
        var request = new ItemRequest(jobId, index, record.Index, record.Input, record.Output, attempt, record.ContentKey, record.InputHash, span?.Id, record.ResultHash, chunked.Plan, chunked.Plan.Count);
        ItemResult result;
        try
        {
            // Every chunk is stored as done before the commit moves the assembly: a partition resumed after a crash
            // then commits again (and finds its result), rather than run a chunk into an assembly that is gone.
            await partition.Writes.PersistAsync();
            result = await CallWorkerAsync(silo, onGpu, request, cancellation);
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            // The commit is tried again (a commit that landed though its reply was lost finds its own result).
            notBefore[i] = time.GetUtcNow() + (Stopping ? TimeSpan.Zero : Backoff.Attempts.After(1));
            return;
        }
        catch (Exception e)
        {
            result = new ItemResult(false, TimeSpan.Zero, $"the worker on {silo} failed: {e.Message}", null, false, null, silo.ToString());
        }
        finally
        {
            ledger.Return(silo);
            committing.Remove(record.Output);
        }

        if (Current(i, chunked))
        {
            record = state.State.Items[i];
            var ran = TimeSpan.FromTicks(chunked.Chunks.Sum(c => c.Duration.Ticks));
            await EndedAsync(i, record, result with { Duration = result.Duration + ran, Implementations = record.Implementations }, attempt, retries, tags, span);
        }
    }

    private Task<ItemResult> CallWorkerAsync(SiloAddress silo, bool onGpu, ItemRequest request, CancellationToken cancellation)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return onGpu
                ? grains.GetGrain<IGpuWorkerGrain>(silo.ToParsableString()).RunAsync(request, cancellation)
                : grains.GetGrain<IPipelineWorkerGrain>(silo.ToParsableString()).RunAsync(request, cancellation);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    private void Report(ItemRecord record, ItemStatus status, int attempt, TimeSpan duration, string? error, bool reused, string? silo) =>
        partition.Reports.Add(new ItemEvent(record.Index, record.Input, record.Output, status, attempt, duration, error, reused, silo, record.ChunksDone, record.ChunksTotal));

    /// <summary>What a dispatcher needs of its partition.</summary>
    /// <param name="State">The partition's state.</param>
    /// <param name="Writes">Writes it.</param>
    /// <param name="Reports">Reports its items' events.</param>
    /// <param name="JobId">The partition's job.</param>
    /// <param name="Index">The partition's number in its job.</param>
    /// <param name="Local">The silo the partition is on.</param>
    internal sealed record Partition(IPersistentState<PartitionState> State, PartitionStateWriter Writes, PartitionReporter Reports, string JobId, int Index, SiloAddress Local);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the attempt at {Input} on {Silo} was lost with its silo ({Reason}); it counts as a loss")]
    private static partial void LogAttemptLost(ILogger logger, string jobId, string input, SiloAddress silo, string reason);
}
