using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ItkWasm.Pipelines.Dispatch;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Runtime.Placement;
using Orleans.Storage;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// The <see cref="IPartitionGrain"/>. A dispatch loop on the grain's own scheduler (reentrant, so reads, reports and
/// stops interleave with it) keeps a window of attempts in flight, each sent to the worker grain of the active silo
/// with the fewest of this partition's attempts per compute slot (<see cref="ClusterSlots"/>), so that every
/// partition spreads its items over the whole cluster. The window is about twice the partition's share of the
/// cluster's slots. The state is written after completions, one write at a time (completions that arrive during a
/// write go into the next); a failed write is retried with backoff (the store may be briefly unreachable), and a
/// write refused because another activation wrote meanwhile ends this one. Each write names the activation that made
/// it, so that a refusal caused by an earlier write of its own that landed though its reply was lost is told apart
/// from a takeover. An attempt that fails is retried after
/// 250 ms, doubling up to 10 s, until the job's retry budget is spent; a call that fails for the cluster's reasons (a
/// silo declared dead, a timeout) runs again elsewhere without counting.
/// </summary>
[Reentrant]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The dispatch loop disposes its cancellation source when it ends.")]
internal sealed partial class PartitionGrain(
    [PersistentState("partition", ClusterStoreOptions.GrainStorageName)] IPersistentState<PartitionState> state,
    ClusterSlots cluster,
    StageImplementations implementations,
    TimeProvider time,
    ILocalSiloDetails localSilo,
    ILogger<PartitionGrain> logger) : Grain, IPartitionGrain
{
    /// <summary>The most items one partition holds.</summary>
    internal const int MaxItems = 500;

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan WriteInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(10);
    private readonly Dictionary<int, DateTimeOffset> notBefore = [];
    private readonly Dictionary<SiloAddress, int> inFlightOn = [];
    private readonly List<ItemEvent> unreported = [];
    private CancellationTokenSource? attempts;
    private Task? loop;
    private Task? writing;
    private Task? reporting;
    private TaskCompletionSource? wake;
    private readonly string writer = Guid.NewGuid().ToString("N");
    private long lastWrite;
    private bool dirty;
    private bool stopping;
    private bool superseded;
    private JobSpec? spec;

    private string JobId => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('/')];

    private int PartitionIndex => int.Parse(this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Attempts stored as running were cut short by the end of the partition's silo (a graceful end hands them back
        // as pending, OnDeactivateAsync): each counts as a loss, and runs again within the budget.
        var items = state.State.Items;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].Status == ItemStatus.Running)
            {
                items[i] = items[i] with { Status = ItemStatus.Pending, SiloLosses = items[i].SiloLosses + 1 };
            }
        }

        if (state.State.Running)
        {
            EnsureRunning();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<JobCounts> StartAsync(JobSpec spec, IReadOnlyList<PartitionItem> items, int running, bool run)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(items);
        var known = state.State.Items.ToDictionary(r => r.Input, StringComparer.Ordinal);
        state.State.SpecJson = JobSpecParser.ToJson(spec).ToJsonString();
        this.spec = spec;
        state.State.Concurrent = Math.Max(1, running);
        state.State.Items = items.OrderBy(i => i.Index).Select(item => Merge(item, known.GetValueOrDefault(item.Input))).ToList();
        state.State.Running = run;
        stopping = false;
        await PersistAsync();
        if (run)
        {
            EnsureRunning();
        }

        return Counts();
    }

    /// <inheritdoc/>
    public Task<JobSpec> GetSpecAsync() => Task.FromResult(Spec);

    /// <inheritdoc/>
    public async Task ForgiveSiloLossesAsync()
    {
        var items = state.State.Items;
        var changed = false;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { Status: ItemStatus.Pending or ItemStatus.Running, SiloLosses: > 0 })
            {
                items[i] = items[i] with { SiloLosses = 0 };
                changed = true;
            }
        }

        if (changed)
        {
            await PersistAsync();
        }
    }

    /// <inheritdoc/>
    public async Task<JobCounts> RunAsync()
    {
        if (!state.State.Running && state.State.SpecJson.Length > 0)
        {
            state.State.Running = true;
            stopping = false;
            await PersistAsync();
        }

        if (state.State.Running)
        {
            EnsureRunning();
        }

        return Counts();
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A graceful end (the silo leaves, or the activation is collected): running attempts are cancelled and stored
        // as pending, uncounted; only a crash leaves them stored as running.
        if (loop is { IsCompleted: false } running)
        {
            stopping = true;
            if (attempts is not null)
            {
                await attempts.CancelAsync();
            }

            wake?.TrySetResult();
            try
            {
                await running.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Out of time: the next activation counts what is stored as running.
            }
        }
    }

    /// <inheritdoc/>
    public Task<JobCounts> GetCountsAsync() => Task.FromResult(Counts());

    /// <inheritdoc/>
    public Task<IReadOnlyList<ItemRecord>> GetItemsAsync() => Task.FromResult<IReadOnlyList<ItemRecord>>([.. state.State.Items]);

    /// <inheritdoc/>
    public async Task<JobCounts> StopAsync()
    {
        stopping = true;
        state.State.Running = false;
        if (attempts is not null)
        {
            await attempts.CancelAsync();
        }

        wake?.TrySetResult();
        if (loop is not null)
        {
            await loop;
        }

        await PersistAsync();
        await FlushReportsAsync();
        return Counts();
    }

    // An item keeps its record when it is the same item at the same version; a changed input runs again, keeping the
    // content key of its last result so that an unchanged result is found and kept.
    private static ItemRecord Merge(PartitionItem item, ItemRecord? known) =>
        known is not null && known.Output == item.Output && known.Version == item.Version
            ? known with { Index = item.Index }
            : new ItemRecord
            {
                Index = item.Index,
                Input = item.Input,
                Output = item.Output,
                Version = item.Version,
                InputHash = item.ContentHash,
                ContentKey = known?.Output == item.Output ? known.ContentKey : null,
            };

    // The job's spec, read from the stored state once per activation.
    private JobSpec Spec => spec ??= state.State.SpecJson.Length > 0
        ? JobSpecParser.FromJson(JsonNode.Parse(state.State.SpecJson))
        : throw new InvalidOperationException($"the partition {this.GetPrimaryKeyString()} was never started");

    private JobCounts Counts()
    {
        int pending = 0, running = 0, succeeded = 0, failed = 0;
        foreach (var r in state.State.Items)
        {
            switch (r.Status)
            {
                case ItemStatus.Pending: pending++; break;
                case ItemStatus.Running: running++; break;
                case ItemStatus.Succeeded: succeeded++; break;
                default: failed++; break;
            }
        }

        return new JobCounts(state.State.Items.Count, pending, running, succeeded, failed);
    }

    private void EnsureRunning()
    {
        if (!superseded && (loop is null || loop.IsCompleted))
        {
            loop = DispatchAsync();
        }
    }

    private async Task DispatchAsync()
    {
        var spec = Spec;
        var retries = spec.Retries;
        var tags = ClusterTelemetry.JobTags(JobId, spec.Name);
        var wantsGpu = spec.Stages.Any(implementations.WantsGpu);
        ClusterTelemetry.SetQueued(this, JobId, Counts().Pending);
        using var source = new CancellationTokenSource();
        attempts = source;
        var inFlight = new List<Task>();
        var next = 0; // where the search for a pending item resumes: O(1) per dispatch over a pass
        while (!stopping && !superseded)
        {
            var now = time.GetUtcNow();
            var items = state.State.Items;
            var silos = cluster.Active();
            // A job with stages that want a GPU runs on the GPU silos while there are any, elsewhere otherwise (auto
            // then falls back to the CPU; a stage that insists on a GPU fails there, saying why).
            var gpuSilos = wantsGpu ? silos.Where(s => s.Capabilities.Contains(PipelineCapabilities.Gpu)).ToArray() : [];
            var onGpu = gpuSilos.Length > 0;
            var targets = onGpu ? gpuSilos : silos;
            var window = Math.Max(2, (int)Math.Ceiling(2.0 * silos.Sum(s => s.Slots) / state.State.Concurrent));
            for (var scanned = 0; scanned < items.Count && inFlight.Count < window; scanned++, next = (next + 1) % items.Count)
            {
                if (items[next].Status == ItemStatus.Pending && notBefore.GetValueOrDefault(next) <= now)
                {
                    inFlight.Add(AttemptAsync(next, PickSilo(targets), onGpu, retries, tags, source.Token));
                }
            }

            if (inFlight.Count == 0)
            {
                var waiting = items.Select((r, i) => (r, i)).Where(p => p.r.Status == ItemStatus.Pending).Select(p => notBefore.GetValueOrDefault(p.i)).ToList();
                if (waiting.Count == 0)
                {
                    break;
                }

                await Task.Delay(waiting.Min() - now is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(10), time);
                continue;
            }

            // Wake on the first completion, or after a second to take in silos that joined.
            wake = new TaskCompletionSource();
            await Task.WhenAny(Task.WhenAny(inFlight), wake.Task, Task.Delay(TimeSpan.FromSeconds(1), time));
            inFlight.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(inFlight);
        ClusterTelemetry.SetQueued(this, JobId, 0);
        attempts = null;
        await PersistAsync();
        await FlushReportsAsync();
    }

    // The active silo with the fewest of this partition's attempts per slot; ties go round by partition number, so
    // that partitions with small windows do not all pick the same silo.
    private SiloAddress PickSilo(IReadOnlyList<SiloSlots> silos)
    {
        if (silos.Count == 0)
        {
            return localSilo.SiloAddress;
        }

        var best = silos[0].Silo;
        var bestLoad = double.MaxValue;
        for (var k = 0; k < silos.Count; k++)
        {
            var s = silos[(k + PartitionIndex) % silos.Count];
            var load = (inFlightOn.GetValueOrDefault(s.Silo) + 1.0) / s.Slots;
            if (load < bestLoad)
            {
                (best, bestLoad) = (s.Silo, load);
            }
        }

        return best;
    }

    private async Task AttemptAsync(int i, SiloAddress silo, bool onGpu, int retries, TagList tags, CancellationToken cancellation)
    {
        var record = state.State.Items[i] = state.State.Items[i] with { Status = ItemStatus.Running };
        var attempt = record.Attempts + 1;
        _ = PersistAsync(); // stored as running (coalesced with other writes), so that a crash of this silo counts
        using var span = StartItemSpan(record, attempt, silo);
        Report(record, ItemStatus.Running, attempt, TimeSpan.Zero, null, false, silo.ToString());
        var request = new ItemRequest(JobId, PartitionIndex, record.Index, record.Input, record.Output, attempt, record.ContentKey, record.InputHash, span?.Id, record.ResultHash);
        inFlightOn[silo] = inFlightOn.GetValueOrDefault(silo) + 1;
        ItemResult result;
        if (record.SiloLosses > retries)
        {
            // The silos that ran it ended while they did, as often as the budget allows: it fails without running.
            result = LostTooOften(record, attempt = Math.Max(attempt, retries + 1), "its silo");
            inFlightOn[silo]--;
        }
        else
        {
            try
            {
                Task<ItemResult> call;
                RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
                try
                {
                    call = onGpu
                        ? GrainFactory.GetGrain<IGpuWorkerGrain>(silo.ToParsableString()).RunAsync(request, cancellation)
                        : GrainFactory.GetGrain<IPipelineWorkerGrain>(silo.ToParsableString()).RunAsync(request, cancellation);
                }
                finally
                {
                    RequestContext.Remove(IPlacementDirector.PlacementHintKey);
                }

                result = await call;
            }
            catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
            {
                // Stopped: the attempt does not count. The worker's silo was lost: it counts as a loss, and the item
                // runs again until its losses pass the retry budget (an input that kills its silo must not kill them all).
                var lost = !stopping && e is not OperationCanceledException;
                if (lost)
                {
                    LogAttemptLost(logger, JobId, record.Input, silo, e.Message);
                    record = state.State.Items[i] = record with { SiloLosses = record.SiloLosses + 1 };
                }

                span?.SetStatus(ActivityStatusCode.Error, $"the attempt was lost: {e.Message}");
                if (!lost || record.SiloLosses <= retries)
                {
                    state.State.Items[i] = record with { Status = ItemStatus.Pending };
                    notBefore[i] = time.GetUtcNow() + (stopping ? TimeSpan.Zero : FirstBackoff);
                    Report(record, ItemStatus.Pending, attempt, TimeSpan.Zero, null, false, silo.ToString());
                    if (lost)
                    {
                        _ = PersistAsync();
                    }

                    return;
                }

                result = LostTooOften(record, attempt = Math.Max(attempt, retries + 1), $"{silo} ({e.Message})");
            }
            catch (Exception e)
            {
                // The worker broke in a way an attempt does not report (it turns the item's own failures into results):
                // count it, so that a fault that repeats ends in a failed item rather than a loop.
                result = new ItemResult(false, TimeSpan.Zero, $"the worker on {silo} failed: {e.Message}", null, false, null, silo.ToString());
            }
            finally
            {
                inFlightOn[silo]--;
            }
        }

        ClusterTelemetry.ItemDuration.Record(result.Duration.TotalSeconds, tags);
        if (result.Succeeded)
        {
            ClusterTelemetry.ItemsCompleted.Add(1, tags);
            span?.SetTag("itkwasm.item.reused", result.Reused);
            record = state.State.Items[i] = record with
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
            };
        }
        else
        {
            record = state.State.Items[i] = record with
            {
                Status = attempt > retries ? ItemStatus.Failed : ItemStatus.Pending,
                Attempts = attempt,
                Error = result.Error,
                Stderr = result.Stderr,
                Duration = result.Duration,
                Silo = result.Silo,
                Reused = false,
            };
            notBefore[i] = time.GetUtcNow() + TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(attempt - 1, 20)));
            (record.Status == ItemStatus.Failed ? ClusterTelemetry.ItemsFailed : ClusterTelemetry.ItemsRetried).Add(1, tags);
            span?.SetStatus(ActivityStatusCode.Error, result.Error);
        }

        var counts = Counts();
        ClusterTelemetry.SetQueued(this, JobId, counts.Pending);

        // Reported with the change, before any await: every report's counts then come with the events that led to them.
        // The write follows, without holding the attempt's place in the window. The partition's last completion is
        // written first: a job that has seen all its partitions finish ends, and its silo may then stop at once, so
        // the records must already be stored (a run of the finished job again then does no work).
        if (counts.IsFinished)
        {
            await PersistAsync();
            Report(record, record.Status, attempt, result.Duration, result.Error, result.Reused, result.Silo);
            return;
        }

        Report(record, record.Status, attempt, result.Duration, result.Error, result.Reused, result.Silo);
        _ = PersistAsync();
    }

    private static ItemResult LostTooOften(ItemRecord record, int attempt, string last) => new(false, TimeSpan.Zero,
        $"{record.SiloLosses} attempts were lost with the silo that ran them (it crashed, ran out of memory or was declared dead while running this item; the last: {last}); attempt {attempt} gives up",
        null, false, null, record.Silo ?? string.Empty);

    // Each attempt at an item is the root of its own trace (a job's thousands of items would not fit in one); the request
    // to the worker carries its context (ItemRequest.TraceParent), so the stages and blob transfers on the silo that
    // runs it are its children. (Orleans' own activity propagation would do it too, at the price of a span per side of
    // every grain call, progress reports and timers included.)
    private Activity? StartItemSpan(ItemRecord record, int attempt, SiloAddress silo)
    {
        if (!ClusterTelemetry.Source.HasListeners())
        {
            return null; // nothing records spans: no tags to build
        }

        // Not a child of whatever started the dispatch loop. The async caller's own current activity is unaffected
        // (an async method's changes to it stay inside the method).
        Activity.Current = null;
        return ClusterTelemetry.StartSpan("item", ActivityKind.Internal, default, [
            new(ClusterTelemetry.JobId, JobId),
            new("itkwasm.item.input", record.Input),
            new("itkwasm.item.attempt", attempt),
            new("itkwasm.silo", silo.ToString()),
        ]);
    }

    // Events go to the job grain in batches, one call at a time: events that arrive during a call go in the next.
    private void Report(ItemRecord record, ItemStatus status, int attempt, TimeSpan duration, string? error, bool reused, string? silo)
    {
        unreported.Add(new ItemEvent(record.Index, record.Input, record.Output, status, attempt, duration, error, reused, silo));
        if (reporting is null || reporting.IsCompleted)
        {
            reporting = SendReportsAsync();
        }
    }

    private async Task FlushReportsAsync()
    {
        if (unreported.Count > 0 && (reporting is null || reporting.IsCompleted))
        {
            reporting = SendReportsAsync();
        }

        if (reporting is not null)
        {
            await reporting;
        }
    }

    private async Task SendReportsAsync()
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (unreported.Count > 0 && !superseded)
        {
            var batch = unreported.ToArray();
            try
            {
                await GrainFactory.GetGrain<IJobProgressGrain>(JobId).ReportAsync(PartitionIndex, Counts(), batch);
                unreported.RemoveRange(0, batch.Length);
                delay = TimeSpan.FromMilliseconds(100);
            }
            catch (Exception e)
            {
                // The job grain's silo was lost, or the cluster store is briefly unreachable: try again.
                LogReportFailed(logger, this.GetPrimaryKeyString(), e);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
        }
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
            var delay = TimeSpan.FromMilliseconds(100);
            while (dirty && !superseded)
            {
                // Completions that come close together share a write: at most one per WriteInterval while running.
                var since = time.GetElapsedTime(lastWrite);
                if (!stopping && since < WriteInterval)
                {
                    await Task.Delay(WriteInterval - since, time);
                }

                lastWrite = time.GetTimestamp();
                dirty = false;
                state.State.Writer = writer;
                try
                {
                    await state.WriteStateAsync();
                    delay = TimeSpan.FromMilliseconds(100);
                }
                catch (InconsistentStateException e)
                {
                    switch (await LastWriterAsync(delay))
                    {
                        case true:
                            // A write of this activation whose reply was lost (the store failed mid-request) had been
                            // applied: the retry was refused only because it carried the version from before it.
                            LogWriteLanded(logger, this.GetPrimaryKeyString(), e.Message);
                            dirty = true;
                            break;
                        case null:
                            // The store cannot be read either: try the write again later, and ask again.
                            dirty = true;
                            await Task.Delay(delay, time);
                            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                            break;
                        default:
                            // Another activation of this partition wrote since (this silo was declared dead while
                            // paused): it owns the items now. Stop, write nothing more, and go.
                            LogSuperseded(logger, this.GetPrimaryKeyString(), e.Message);
                            superseded = true;
                            stopping = true;
                            if (attempts is not null)
                            {
                                await attempts.CancelAsync();
                            }

                            DeactivateOnIdle();
                            break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The cluster store is unreachable: keep the state in memory and write it when it is back.
                    LogWriteFailed(logger, this.GetPrimaryKeyString(), delay, e.Message);
                    dirty = true;
                    await Task.Delay(delay, time);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                }
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
            LogWriteFailed(logger, this.GetPrimaryKeyString(), retryIn, e.Message);
            return null;
        }
        finally
        {
            state.State = mine;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the attempt at {Input} on {Silo} was lost with its silo ({Reason}); it counts as a loss")]
    private static partial void LogAttemptLost(ILogger logger, string jobId, string input, SiloAddress silo, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition}: a write whose reply was lost had landed ({Reason}); it goes on from there")]
    private static partial void LogWriteLanded(ILogger logger, string partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} was taken over by another activation ({Reason}); this one stops")]
    private static partial void LogSuperseded(ILogger logger, string partition, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} could not report to its job; retrying")]
    private static partial void LogReportFailed(ILogger logger, string partition, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Partition {Partition} could not write its state; retrying in {Delay} ({Reason})")]
    private static partial void LogWriteFailed(ILogger logger, string partition, TimeSpan delay, string reason);
}
