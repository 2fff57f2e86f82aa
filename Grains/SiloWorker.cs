using System.Collections.Concurrent;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>
/// A silo's work: claims the tasks of every running job from the shared job store and runs them, finishing a job once
/// its last task is done (checked when a claim finds nothing, off the per-task path). Runs until stopped; an
/// unreachable store is waited out.
/// </summary>
public sealed class SiloWorker(IJobStore store, IWasmRuntime runtime, string nodeId, int concurrency, TimeSpan lease, TimeProvider? timeProvider = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<(TaskExecutor Executor, JobRecord Job)>>> jobs = new(StringComparer.Ordinal);

    /// <summary>Gets a callback run when an attempt is abandoned because its lease was lost; see
    /// <see cref="WorkLoop.LeaseLost"/>.</summary>
    public Action<TaskLease>? LeaseLost { get; init; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled; running pipelines then stop and their
    /// tasks are given back.</summary>
    public Task RunAsync(CancellationToken cancellationToken) => Task.WhenAll(WorkAsync(cancellationToken), SweepAsync(cancellationToken));

    private Task WorkAsync(CancellationToken cancellationToken) => new WorkLoop(
        store,
        concurrency,
        lease,
        ct => store.ClaimAnyAsync(nodeId, lease, ct),
        async (claimed, _) => (await JobFor(claimed.JobId).ConfigureAwait(false)).Executor,
        FinishIdleJobsAsync,
        _ => { },
        timeProvider ?? TimeProvider.System)
    {
        LeaseLost = LeaseLost,
    }.RunAsync(cancellationToken);

    /// <summary>Finishes jobs every second too, for a silo that is never idle (other jobs' tasks keep it busy).</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), timeProvider ?? TimeProvider.System);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await FinishIdleJobsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                // The next tick tries again.
            }
        }
    }

    /// <summary>Called when a claim finds nothing: finishes the jobs this silo worked on whose tasks are all done
    /// (whichever silo gets there first writes the report), and forgets the jobs that are no longer running. Returns
    /// false: a silo never stops for want of work.</summary>
    private async Task<bool> FinishIdleJobsAsync(CancellationToken cancellationToken)
    {
        foreach (var (id, entry) in jobs)
        {
            if (!entry.IsValueCreated || !entry.Value.IsCompletedSuccessfully)
            {
                continue;
            }

            var job = entry.Value.Result.Job;
            await JobFinalizer.TryFinalizeAsync(store, job, new FileSystemBlobStore(job.Spec.Output.Location), cancellationToken).ConfigureAwait(false);
            if ((await store.GetJobAsync(id, cancellationToken).ConfigureAwait(false))?.State != JobState.Running)
            {
                jobs.TryRemove(KeyValuePair.Create(id, entry));
            }
        }

        return false;
    }

    private async Task<(TaskExecutor Executor, JobRecord Job)> JobFor(string jobId)
    {
        var entry = jobs.GetOrAdd(jobId, Load);
        try
        {
            return await entry.Value.ConfigureAwait(false);
        }
        catch
        {
            jobs.TryRemove(KeyValuePair.Create(jobId, entry)); // a failed load (the database restarting) is tried again
            throw;
        }
    }

    private Lazy<Task<(TaskExecutor Executor, JobRecord Job)>> Load(string id) => new(async () =>
    {
        var job = await store.GetJobAsync(id).ConfigureAwait(false) ?? throw new InvalidOperationException($"job {id} is not in the store");
        var input = new FileSystemBlobStore(job.Spec.Input.Location);
        var hashes = await InputHasher.LoadAsync(input, store, CancellationToken.None).ConfigureAwait(false);
        var output = new FileSystemBlobStore(job.Spec.Output.Location);
        return (await TaskExecutor.CreateAsync(job.Spec, input, output, store.FindResultsAsync, runtime, hashes, CancellationToken.None).ConfigureAwait(false), job);
    });
}
