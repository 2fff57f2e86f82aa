using System.Globalization;
using System.Text.Json.Nodes;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// The <see cref="IPartitionGrain"/>: its items' records in its persistent state, run by a
/// <see cref="PartitionDispatcher"/> on the grain's own scheduler (reentrant, so that reads, reports and stops
/// interleave with the dispatch loop). Placed on the silo of the job grain that activates it, so that the silo's
/// <see cref="AttemptLedger"/> sees all of a job's attempts.
/// </summary>
[Reentrant]
[PreferLocalPlacement]
internal sealed class PartitionGrain(
    [PersistentState("partition", ClusterStoreOptions.GrainStorageName)] IPersistentState<PartitionState> state,
    ClusterSlots cluster,
    StageImplementations implementations,
    AttemptLedger ledger,
    TimeProvider time,
    ILocalSiloDetails localSilo,
    ILogger<PartitionGrain> logger) : Grain, IPartitionGrain
{
    /// <summary>The most items one partition holds.</summary>
    internal const int MaxItems = 500;

    private PartitionStateWriter writes = null!;
    private PartitionReporter reports = null!;
    private PartitionDispatcher dispatcher = null!;
    private JobSpec? spec;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        var (jobId, index) = (key[..key.LastIndexOf('/')], int.Parse(key[(key.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture));
        writes = new PartitionStateWriter(state, time, logger, key, () => dispatcher.Stopping, async () =>
        {
            // Another activation owns the items now: stop, write nothing more, and go.
            await dispatcher.CancelAsync();
            DeactivateOnIdle();
        });
        reports = new PartitionReporter(
            events => GrainFactory.GetGrain<IJobProgressGrain>(jobId).ReportAsync(index, Counts(), events), () => writes.Superseded, () => dispatcher.Stopping, time, logger, key);
        dispatcher = new PartitionDispatcher(new(state, writes, reports, jobId, index, localSilo.SiloAddress), cluster, ledger, GrainFactory, time, logger);
        PartitionItems.CountInterrupted(state.State);
        PartitionItems.DropStaleChunks(state.State);
        if (state.State.Running)
        {
            EnsureRunning();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<JobCounts> StartAsync(JobSpec spec, IReadOnlyList<PartitionItem> items, bool run)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(items);
        var known = state.State.Items.ToDictionary(r => r.Input, StringComparer.Ordinal);
        state.State.SpecJson = JobSpecParser.ToJson(spec).ToJsonString();
        this.spec = spec;
        state.State.Items = items.OrderBy(i => i.Index).Select(item => PartitionItems.Merge(item, known.GetValueOrDefault(item.Input))).ToList();
        PartitionItems.DropStaleChunks(state.State);
        state.State.Running = run;
        await writes.PersistAsync();
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
        if (PartitionItems.ForgiveSiloLosses(state.State))
        {
            await writes.PersistAsync();
        }
    }

    /// <inheritdoc/>
    public async Task<JobCounts> RunAsync()
    {
        if (!state.State.Running && state.State.SpecJson.Length > 0)
        {
            state.State.Running = true;
            await writes.PersistAsync();
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
        if (dispatcher.Running)
        {
            try
            {
                await dispatcher.StopAsync(cancellationToken);
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
        state.State.Running = false;
        await dispatcher.StopAsync();
        await writes.PersistAsync();
        await reports.FlushAsync();
        return Counts();
    }

    // The job's spec, read from the stored state once per activation.
    private JobSpec Spec => spec ??= state.State.SpecJson.Length > 0
        ? JobSpecParser.FromJson(JsonNode.Parse(state.State.SpecJson))
        : throw new InvalidOperationException($"the partition {this.GetPrimaryKeyString()} was never started");

    private JobCounts Counts() => PartitionItems.Count(state.State.Items);

    private void EnsureRunning() => dispatcher.EnsureRunning(Spec, Spec.Stages.Any(implementations.WantsGpu));
}
