using System.Diagnostics;
using System.Text.Json.Nodes;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Telemetry;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// The <see cref="IJobGrain"/>. Submitting lists the dataset (off the grain's scheduler), splits the items into
/// partitions of at most <see cref="PartitionGrain.MaxItems"/> (at least <see cref="MinPartitions"/> when there are
/// enough items), runs <see cref="MinPartitions"/> of them at a time (<see cref="JobPartitions"/>: each dispatches over
/// every silo, so a few keep the cluster busy, and only those few write their state), and registers a reminder so that
/// the job resumes after the whole cluster restarted. The partitions report their items' starts and ends; the grain
/// adds their counts up, passes the events on to its observers (<see cref="JobObservers"/>), and when every item has
/// finished writes <c>job.json</c> and ends. A watchdog timer asks partitions that have gone quiet for their counts,
/// which reactivates (and so resumes) a partition whose silo died. Not reentrant: submissions, cancellations, the
/// watchdog's ticks and the end take turns; reads, subscriptions and reports interleave with them
/// (<see cref="Orleans.Concurrency.AlwaysInterleaveAttribute"/> on the interfaces).
/// </summary>
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

    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(5);
    private readonly JobObservers observers = new(time, logger);
    private readonly JobPartitions partitions = new(time, logger);
    private IGrainTimer? watchdog;
    private bool started;
    private bool ending;
    private JobSpec? spec;

    private bool Exists => state.State.SpecJson.Length > 0;

    // The job's spec, read from the stored state once per activation (the state keeps it as JSON text).
    private JobSpec Spec => spec ??= JobSpecParser.FromJson(JsonNode.Parse(state.State.SpecJson));

    // How many partitions run at once.
    private int Concurrent => Math.Min(state.State.Partitions, MinPartitions);

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Exists && state.State.State == JobState.Running && !state.State.Admitting)
        {
            // A running job reactivated (its silo died, or the cluster restarted): wake its partitions, which resume.
            partitions.Track(state.State.Partitions);
            StartWatchdog();
            started = true;
        }

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

        cluster.RequireGpuWhereAsked(spec);
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
        var count = JobPartitions.CountFor(items.Count);
        state.State.SpecJson = specJson;
        this.spec = spec;
        state.State.Name = spec.Name;
        state.State.Output = output.Display; // shown in the API, events and the dashboard: never a SAS
        state.State.State = JobState.Running;
        state.State.Created = isNew ? time.GetUtcNow() : state.State.Created;
        state.State.Finished = null;
        state.State.Partitions = count;
        state.State.MaxPartitions = Math.Max(state.State.MaxPartitions, count);
        state.State.Admitting = true;
        await state.WriteStateAsync();
        if (isNew)
        {
            await GrainFactory.GetGrain<IJobCatalogGrain>(0).AddAsync(this.GetPrimaryKeyString(), null);
        }

        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        partitions.Track(count);
        var counts = await Task.WhenAll(Enumerable.Range(0, state.State.MaxPartitions).Select(p =>
            Partition(p).StartAsync(spec, p < count ? JobPartitions.Slice(items, p, count) : [], p < Concurrent)));
        for (var p = 0; p < count; p++)
        {
            partitions.Report(p, counts[p], time.GetUtcNow());
            partitions.SetDispatching(p, p < Concurrent);
        }

        state.State.Admitting = false;
        await state.WriteStateAsync();
        started = true;
        StartWatchdog();
        await EndIfFinishedAsync();
        return Status();
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

        if (state.State.State == JobState.Running)
        {
            StopWatchdog();
            var counts = await Task.WhenAll(Enumerable.Range(0, state.State.Partitions).Select(p => Partition(p).StopAsync()));
            for (var p = 0; p < counts.Length; p++)
            {
                partitions.Report(p, counts[p], time.GetUtcNow());
            }

            await EndAsync(JobState.Cancelled);
        }

        return Status();
    }

    /// <inheritdoc/>
    public Task<JobSubscription> SubscribeAsync(IJobObserver observer, string? knownActivation = null)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return Task.FromResult(observers.Subscribe(observer, knownActivation, Exists ? Status() : null));
    }

    /// <inheritdoc/>
    public Task UnsubscribeAsync(IJobObserver observer)
    {
        observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task ReportAsync(int partition, JobCounts counts, IReadOnlyList<ItemEvent> events)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (state.State.State != JobState.Running || !partitions.Report(partition, counts, time.GetUtcNow()))
        {
            return; // a late report of an ended job, or of a partition that was emptied
        }

        await observers.ProgressAsync(Total(), events);
        if (counts.IsFinished)
        {
            await RunNextPartitionsAsync();
            if (Finished)
            {
                // The end takes its turn (this report interleaves with whatever holds it); not awaited, as a call
                // to itself from here waits for this report to end.
                _ = this.AsReference<IJobProgressGrain>().EndIfFinishedAsync();
            }
        }
    }

    /// <inheritdoc/>
    public async Task EndIfFinishedAsync()
    {
        if (!Finished)
        {
            return;
        }

        try
        {
            StopWatchdog();
            await EndAsync(partitions.Total().Failed > 0 ? JobState.Failed : JobState.Succeeded);
        }
        catch (InconsistentStateException e)
        {
            // Another activation wrote the job's state since this one read it (this silo was declared dead while
            // paused), or a write whose reply was lost had landed: either way this activation's view is stale. It
            // goes; the job's live activation (or a fresh one, from the stored state) ends the job.
            LogSuperseded(logger, IdentityString, e.Message);
            DeactivateOnIdle();
        }
        catch (Exception e)
        {
            // The report or the state could not be written (the output location or the cluster store failing): the
            // watchdog tries again, after its period (not at once: a failure that lasts must not spin).
            LogEndFailed(logger, IdentityString, e);
            StartWatchdog(TimeSpan.FromSeconds(2));
        }
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if ((!Exists || state.State.State != JobState.Running) && await this.GetReminder(reminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        else if (Exists && state.State.State == JobState.Running && !started)
        {
            // Stored as running by a submission that did not get to give every partition its items: admit it again.
            await SubmitAsync(Spec);
        }

        // Activation already woke the partitions of a running job; the watchdog keeps them going.
    }

    private bool Finished => started && !ending && state.State.State == JobState.Running && partitions.AllHeardFrom && partitions.AllFinished;

    private IPartitionGrain Partition(int p) => GrainFactory.GetGrain<IPartitionGrain>($"{this.GetPrimaryKeyString()}/{p}");

    private IOutputLocationGrain OutputLocation(BlobLocation output) =>
        GrainFactory.GetGrain<IOutputLocationGrain>(stores.IdentityOf(output));

    private JobCounts Total() => state.State.State == JobState.Running && started ? partitions.Total() : state.State.Counts;

    private JobStatus Status() => new(
        this.GetPrimaryKeyString(), state.State.Name, state.State.State, Total(), state.State.Output, state.State.Created, state.State.Finished);

    // Its ticks take their turn with submissions, cancellations and the end.
    private void StartWatchdog(TimeSpan due = default) => watchdog ??= this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions
    {
        DueTime = due,
        Period = TimeSpan.FromSeconds(2),
    });

    private void StopWatchdog()
    {
        watchdog?.Dispose();
        watchdog = null;
    }

    // Partitions that have gone quiet are asked for their counts: the call reactivates one whose silo died.
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        await partitions.AskQuietAsync(this.GetPrimaryKeyString(), Partition, Quiet, cancellationToken);
        await RunNextPartitionsAsync();
        await EndIfFinishedAsync();
    }

    // Keeps the first Concurrent unfinished partitions running.
    private Task RunNextPartitionsAsync() =>
        state.State.State == JobState.Running && started ? partitions.RunNextAsync(this.GetPrimaryKeyString(), Partition, Concurrent) : Task.CompletedTask;

    private async Task EndAsync(JobState ended)
    {
        ending = true;
        try
        {
            // A write of the unchanged state first: it fails (an etag conflict) in an activation the cluster has
            // already replaced, e.g. on a silo that was paused past its death and resumed, so such an activation never
            // touches the output location. The state changes only once the report is written: whoever sees the job
            // ended finds its job.json.
            await state.WriteStateAsync();
            var items = await GetItemsAsync();
            var status = Status() with { State = ended, Finished = time.GetUtcNow() };
            var output = stores.Resolve(Spec.Output.Location);
            await Task.Run(() => JobReport.WriteAsync(stores.Open(output), status, items, ended != JobState.Cancelled));
            (state.State.State, state.State.Counts, state.State.Finished) = (ended, status.Counts, status.Finished);
            await state.WriteStateAsync();
            if (await this.GetReminder(ResumeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            await OutputLocation(output).ReleaseAsync(this.GetPrimaryKeyString());
            await observers.EndedAsync(status);
        }
        finally
        {
            ending = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: another activation wrote the job's state ({Reason}); this one goes")]
    private static partial void LogSuperseded(ILogger logger, string jobId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} could not end; trying again")]
    private static partial void LogEndFailed(ILogger logger, string jobId, Exception exception);
}
