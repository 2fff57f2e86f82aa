using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>Ends a job once all its tasks have finished: exactly one caller (of however many silos) moves it to its
/// final state and writes its <c>job.json</c>.</summary>
public static class JobFinalizer
{
    /// <summary>Finalizes the job if every task has finished and nobody did it yet.</summary>
    public static async Task TryFinalizeAsync(IJobStore store, JobRecord job, IBlobStore output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(job);
        var counts = await store.GetCountsAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (!counts.IsFinished)
        {
            return;
        }

        var tasks = await store.GetTasksAsync(job.Id, cancellationToken).ConfigureAwait(false);
        if (output is FileSystemBlobStore files)
        {
            // Every task is done, so the temporaries of its outputs are from writers killed mid-write (a silo's crash).
            files.DeleteAbandonedTemporaries(tasks.Select(t => t.Output));
        }

        var state = counts.Failed > 0 ? JobState.Failed : JobState.Succeeded;
        if (await store.TryFinishJobAsync(job.Id, state, cancellationToken).ConfigureAwait(false))
        {
            await JobReport.WriteAsync(output, job, state, counts, tasks, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the report for a job that was stopped (cancelled).</summary>
    public static async Task WriteReportAsync(IJobStore store, JobRecord job, JobState state, IBlobStore output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(job);
        var counts = await store.GetCountsAsync(job.Id, cancellationToken).ConfigureAwait(false);
        var tasks = await store.GetTasksAsync(job.Id, cancellationToken).ConfigureAwait(false);
        await JobReport.WriteAsync(output, job, state, counts, tasks, cancellationToken).ConfigureAwait(false);
    }
}
