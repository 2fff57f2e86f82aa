using System.Diagnostics;
using System.Text.Json.Nodes;
using ItkWasm.Pipelines.Dispatch;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Storage;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// The <see cref="IJobGrain"/>. Submitting lists the dataset (off the grain's scheduler), splits the items into
/// partitions of at most <see cref="PartitionGrain.MaxItems"/> (at least <see cref="MinPartitions"/> when there are
/// enough items), runs <see cref="MinPartitions"/> of them at a time (each dispatches over every silo, so a few keep
/// the cluster busy, and only those few write their state), and registers a reminder so that the job resumes after
/// the whole cluster restarted. The partitions report their items' starts and ends;
/// the grain adds their counts up, passes the events on to its observers, and when every item has finished writes
/// <c>job.json</c> and ends. A watchdog timer asks partitions that have gone quiet for their counts, which
/// reactivates (and so resumes) a partition whose silo died. Reentrant, so that reports interleave with a long
/// submission or a cancellation; those two take turns.
/// </summary>
[Reentrant]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The turn semaphore is disposed on deactivation.")]
internal sealed partial class JobGrain(
    [PersistentState("job", ClusterStoreOptions.GrainStorageName)] IPersistentState<JobGrainState> state,
    BlobStores stores,
    IWasmRuntime runtime,
    Hosting.ClusterSlots cluster,
    TimeProvider time,
    ILogger<JobGrain> logger) : Grain, IJobGrain, IJobProgressGrain, IRemindable
{
    /// <summary>The fewest partitions a job of at least that many items is split into.</summary>
    internal const int MinPartitions = 4;

    /// <summary>The reminder that resumes a running job after a restart of the cluster.</summary>
    internal const string ResumeReminder = "resume";

    private const int Replayable = 512;
    private static readonly TimeSpan ObserverLease = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);
    private readonly Dictionary<IJobObserver, DateTimeOffset> observers = [];
    private readonly SemaphoreSlim turn = new(1, 1);
    private readonly string activation = Guid.NewGuid().ToString("N");
    private readonly Queue<(long Sequence, JobCounts Counts, IReadOnlyList<ItemEvent> Events)> recent = new();
    private long sequence;
    private JobCounts[] partitionCounts = [];
    private bool[] dispatching = [];
    private DateTimeOffset[] lastReport = [];
    private IGrainTimer? watchdog;
    private bool started;
    private bool finishing;
    private JobSpec? spec;

    private bool Exists => state.State.SpecJson.Length > 0;

    // The job's spec, read from the stored state once per activation (the state keeps it as JSON text).
    private JobSpec Spec => spec ??= JobSpecParser.FromJson(JsonNode.Parse(state.State.SpecJson));

    // How many partitions run at once.
    private int Concurrent => Math.Min(state.State.Partitions, MinPartitions);

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Exists && state.State.State == JobState.Running)
        {
            // A running job reactivated (its silo died, or the cluster restarted): wake its partitions, which resume.
            Track(state.State.Partitions);
            lastReport.AsSpan().Fill(DateTimeOffset.MinValue);
            StartWatchdog();
            started = true;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        turn.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<JobStatus> SubmitAsync(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var span = ClusterTelemetry.Source.StartActivity("job.submit", ActivityKind.Internal, default(ActivityContext), [new(ClusterTelemetry.JobId, this.GetPrimaryKeyString())]);
        // A spec built in C# meets the same rules as one read from a file: its canonical JSON is read back once, here.
        var specJson = JobSpecParser.ToJson(spec).ToJsonString();
        spec = JobSpecParser.FromJson(JsonNode.Parse(specJson));
        span?.SetTag(ClusterTelemetry.JobName, spec.Name);
        if (JobIds.For(spec) != this.GetPrimaryKeyString())
        {
            throw new JobSpecException("spec", $"its id is {JobIds.For(spec)}, not {this.GetPrimaryKeyString()}");
        }

        CheckAccelerators(spec);
        await turn.WaitAsync();
        try
        {
            if (Exists && state.State.State == JobState.Running && started && watchdog is not null)
            {
                // Already running here: submitting again changes nothing but the budget of silo losses.
                await Task.WhenAll(Enumerable.Range(0, state.State.Partitions).Select(p => Partition(p).ForgiveSiloLossesAsync()));
                return Status();
            }

            var items = await Task.Run(() => DatasetExpander.ExpandAsync(spec, stores, runtime, CancellationToken.None));
            var output = stores.Resolve(spec.Output.Location);
            if (await OutputLocation(output).ClaimAsync(this.GetPrimaryKeyString()) is { } holder)
            {
                throw new OutputLocationInUseException(output.Display, holder);
            }

            span?.SetTag("itkwasm.job.items", items.Count);
            var isNew = !Exists;
            var partitions = items.Count == 0 ? 0 : Math.Max(Math.Min(items.Count, MinPartitions), (items.Count + PartitionGrain.MaxItems - 1) / PartitionGrain.MaxItems);
            state.State.SpecJson = specJson;
            this.spec = spec;
            state.State.Name = spec.Name;
            state.State.Output = output.Display; // shown in the API, events and the dashboard: never a SAS
            state.State.State = JobState.Running;
            state.State.Created = isNew ? time.GetUtcNow() : state.State.Created;
            state.State.Finished = null;
            state.State.Partitions = partitions;
            state.State.MaxPartitions = Math.Max(state.State.MaxPartitions, partitions);
            finishing = false;
            await state.WriteStateAsync();
            if (isNew)
            {
                await GrainFactory.GetGrain<IJobCatalogGrain>(0).AddAsync(this.GetPrimaryKeyString(), null);
            }

            await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            Track(partitions);
            var counts = await Task.WhenAll(Enumerable.Range(0, state.State.MaxPartitions).Select(p =>
                Partition(p).StartAsync(spec, p < partitions ? Slice(items, p, partitions) : [], Concurrent, p < Concurrent)));
            for (var p = 0; p < Math.Min(partitions, Concurrent); p++)
            {
                dispatching[p] = true;
            }
            for (var p = 0; p < partitions; p++)
            {
                partitionCounts[p] = counts[p];
                lastReport[p] = time.GetUtcNow();
            }

            started = true;
            StartWatchdog();
        }
        finally
        {
            turn.Release();
        }

        await FinishIfDoneAsync();
        return Status();
    }

    // A stage that insists on a GPU is refused at submission when no active silo has one.
    private void CheckAccelerators(JobSpec spec)
    {
        for (var i = 0; i < spec.Stages.Count; i++)
        {
            if (spec.Stages[i].Accelerator == StageAccelerator.Gpu && !cluster.Active().Any(s => s.Capabilities.Contains(PipelineCapabilities.Gpu)))
            {
                throw new JobSpecException($"stages[{i}].accelerator", "is gpu, and no active silo has a GPU (a silo offers one with --capability gpu and a CUDA or OpenCL device); use auto to run where there is one and on the CPU otherwise");
            }
        }
    }

    /// <inheritdoc/>
    public Task<JobStatus?> GetStatusAsync() => Task.FromResult(Exists ? Status() : null);

    /// <inheritdoc/>
    public Task<JobSpec?> GetSpecAsync() => Task.FromResult(Exists ? Spec : null);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ItemRecord>> GetItemsAsync()
    {
        var parts = await Task.WhenAll(Enumerable.Range(0, state.State.Partitions).Select(p => Partition(p).GetItemsAsync()));
        return parts.SelectMany(p => p).OrderBy(r => r.Index).ToArray();
    }

    /// <inheritdoc/>
    public async Task<JobStatus?> CancelAsync()
    {
        if (!Exists)
        {
            return null;
        }

        await turn.WaitAsync();
        try
        {
            if (state.State.State != JobState.Running)
            {
                return Status();
            }

            StopWatchdog();
            var counts = await Task.WhenAll(Enumerable.Range(0, state.State.Partitions).Select(p => Partition(p).StopAsync()));
            counts.CopyTo(partitionCounts, 0);
            await EndAsync(JobState.Cancelled);
        }
        finally
        {
            turn.Release();
        }

        return Status();
    }

    /// <inheritdoc/>
    public Task<JobSubscription> SubscribeAsync(IJobObserver observer, string? knownActivation = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        observers[observer] = time.GetUtcNow() + ObserverLease;
        if (knownActivation is null || knownActivation == activation)
        {
            return Task.FromResult(new JobSubscription(Exists ? Status() : null, activation, sequence));
        }

        // The observer followed an earlier activation: replay what this one sent, from its first notification.
        foreach (var (number, counts, events) in recent)
        {
            _ = observer.OnProgressAsync(activation, number, counts, events);
        }

        return Task.FromResult(new JobSubscription(Exists ? Status() : null, activation, 0));
    }

    /// <inheritdoc/>
    public Task UnsubscribeAsync(IJobObserver observer)
    {
        observers.Remove(observer);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task ReportAsync(int partition, JobCounts counts, IReadOnlyList<ItemEvent> events)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (state.State.State != JobState.Running || partition >= partitionCounts.Length)
        {
            return; // a late report of an ended job, or of a partition that was emptied
        }

        partitionCounts[partition] = counts;
        lastReport[partition] = time.GetUtcNow();
        var (total, number) = (Total(), ++sequence);
        recent.Enqueue((number, total, events));
        if (recent.Count > Replayable)
        {
            recent.Dequeue();
        }

        Notify(o => o.OnProgressAsync(activation, number, total, events));
        if (counts.IsFinished)
        {
            await FillWindowAsync();
        }

        await FinishIfDoneAsync();
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!Exists || state.State.State != JobState.Running)
        {
            if (await this.GetReminder(reminderName) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }

        // Activation already woke the partitions of a running job; the watchdog keeps them going.
    }

    private static PartitionItem[] Slice(IReadOnlyList<PartitionItem> items, int partition, int partitions)
    {
        var start = (int)((long)items.Count * partition / partitions);
        var end = (int)((long)items.Count * (partition + 1) / partitions);
        return items.Skip(start).Take(end - start).ToArray();
    }

    private IPartitionGrain Partition(int p) => GrainFactory.GetGrain<IPartitionGrain>($"{this.GetPrimaryKeyString()}/{p}");

    private void Track(int partitions)
    {
        dispatching = new bool[partitions];
        partitionCounts = Enumerable.Repeat(JobCounts.None, partitions).ToArray();
        lastReport = new DateTimeOffset[partitions];
    }

    private JobCounts Total() => state.State.State == JobState.Running && started
        ? partitionCounts.Aggregate(JobCounts.None, JobCounts.Add)
        : state.State.Counts;

    private JobStatus Status() => new(
        this.GetPrimaryKeyString(), state.State.Name, state.State.State, Total(), state.State.Output, state.State.Created, state.State.Finished);

    private void StartWatchdog(TimeSpan due = default) => watchdog ??= this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions
    {
        DueTime = due,
        Period = TimeSpan.FromSeconds(2),
        Interleave = true,
    });

    private void StopWatchdog()
    {
        watchdog?.Dispose();
        watchdog = null;
    }

    // Partitions that have gone quiet are asked for their counts: the call reactivates one whose silo died.
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var quiet = Enumerable.Range(0, partitionCounts.Length)
            .Where(p => (dispatching[p] && now - lastReport[p] > Quiet && !partitionCounts[p].IsFinished) || lastReport[p] == DateTimeOffset.MinValue);
        await Task.WhenAll(quiet.Select(async p =>
        {
            try
            {
                partitionCounts[p] = await Partition(p).GetCountsAsync().WaitAsync(Quiet, cancellationToken);
                lastReport[p] = time.GetUtcNow();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
            {
                LogPartitionUnreachable(logger, IdentityString, p, e.Message);
            }
        }));
        await FillWindowAsync();
        await FinishIfDoneAsync();
    }

    // Keeps the first Concurrent unfinished partitions (in index order) running: a job's items run a few partitions at
    // a time, so that only those few write their state and hold attempts in flight.
    private async Task FillWindowAsync()
    {
        if (state.State.State != JobState.Running || !started)
        {
            return;
        }

        var next = Enumerable.Range(0, partitionCounts.Length)
            .Where(p => lastReport[p] != DateTimeOffset.MinValue && !partitionCounts[p].IsFinished)
            .Take(Concurrent)
            .Where(p => !dispatching[p])
            .ToArray();
        foreach (var p in next)
        {
            dispatching[p] = true;
        }

        await Task.WhenAll(next.Select(async p =>
        {
            try
            {
                partitionCounts[p] = await Partition(p).RunAsync();
                lastReport[p] = time.GetUtcNow();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                dispatching[p] = false; // the watchdog tries again
                LogPartitionUnreachable(logger, IdentityString, p, e.Message);
            }
        }));
    }

    private IOutputLocationGrain OutputLocation(BlobLocation output) =>
        GrainFactory.GetGrain<IOutputLocationGrain>(stores.IdentityOf(output));

    private async Task FinishIfDoneAsync()
    {
        if (finishing || !started || state.State.State != JobState.Running || lastReport.Any(t => t == DateTimeOffset.MinValue)
            || !partitionCounts.All(c => c.IsFinished))
        {
            return;
        }

        finishing = true;
        await turn.WaitAsync();
        try
        {
            if (state.State.State == JobState.Running && partitionCounts.All(c => c.IsFinished))
            {
                StopWatchdog();
                var total = Total();
                await EndAsync(total.Failed > 0 ? JobState.Failed : JobState.Succeeded);
            }
        }
        catch (InconsistentStateException e)
        {
            // Another activation wrote the job's state since this one read it (this silo was declared dead while
            // paused), or a write whose reply was lost had landed: either way this activation's view is stale. It
            // goes; the job's live activation (or a fresh one, from the stored state) ends the job.
            LogSuperseded(logger, IdentityString, e.Message);
            StopWatchdog();
            DeactivateOnIdle();
        }
        catch (Exception e)
        {
            // The report or the state could not be written (the output location or the cluster store failing): the
            // watchdog tries again, after its period (not at once: a failure that lasts must not spin).
            LogEndFailed(logger, IdentityString, e);
            StartWatchdog(TimeSpan.FromSeconds(2));
        }
        finally
        {
            finishing = false;
            turn.Release();
        }
    }

    private async Task EndAsync(JobState ended)
    {
        // A write of the unchanged state first: it fails (an etag conflict) in an activation the cluster has already
        // replaced, e.g. on a silo that was paused past its death and resumed, so such an activation never touches the
        // output location. The state changes only once the report is written: whoever sees the job ended finds its
        // job.json.
        await state.WriteStateAsync();
        var items = await GetItemsAsync();
        var status = Status() with { State = ended, Finished = time.GetUtcNow() };
        var output = stores.Open(Spec.Output.Location);
        await Task.Run(() => JobReport.WriteAsync(output, status, items, ended != JobState.Cancelled));
        (state.State.State, state.State.Counts, state.State.Finished) = (ended, status.Counts, status.Finished);
        await state.WriteStateAsync();
        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await OutputLocation(stores.Resolve(Spec.Output.Location)).ReleaseAsync(this.GetPrimaryKeyString());

        Notify(o => o.OnEndedAsync(activation, sequence, status));
    }

    private void Notify(Func<IJobObserver, Task> send)
    {
        var now = time.GetUtcNow();
        foreach (var (observer, expires) in observers.ToArray())
        {
            if (expires < now)
            {
                observers.Remove(observer);
                continue;
            }

            try
            {
                _ = send(observer);
            }
            catch (Exception e) when (e is OrleansException or InvalidOperationException)
            {
                observers.Remove(observer);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: another activation wrote the job's state ({Reason}); this one goes")]
    private static partial void LogSuperseded(ILogger logger, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not end; trying again")]
    private static partial void LogEndFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: partition {Partition} did not answer ({Reason}); asking again")]
    private static partial void LogPartitionUnreachable(ILogger logger, string jobId, int partition, string reason);
}
