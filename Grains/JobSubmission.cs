using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>Turns a submitted spec into a running job in a shared job store: creates (or finds) the job, lists its
/// dataset, creates or refreshes its tasks, hashes new inputs, and (re)starts it. Submitting the same spec again
/// resumes it; a finished job whose inputs did not change stays finished and does no work.</summary>
public static class JobSubmission
{
    /// <summary>Submits <paramref name="spec"/>; returns the job.</summary>
    /// <exception cref="JobSpecException">The dataset or output location is unusable, or two items collide.</exception>
    public static async Task<JobRecord> SubmitAsync(IJobStore store, JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spec);
        if (!Directory.Exists(spec.Input.Location))
        {
            throw new JobSpecException("input.location", $"no such directory: {spec.Input.Location}");
        }

        var input = new FileSystemBlobStore(spec.Input.Location);
        var output = new FileSystemBlobStore(spec.Output.Location);
        var id = JobIds.For(spec);
        var job = await store.CreateOrGetJobAsync(id, spec, cancellationToken).ConfigureAwait(false);
        var items = await DatasetExpander.ExpandAsync(spec, input, output, cancellationToken).ConfigureAwait(false);
        await store.SyncTasksAsync(id, items, cancellationToken).ConfigureAwait(false);
        await InputHasher.HashAsync(items, input, store, cancellationToken).ConfigureAwait(false);
        var counts = await store.GetCountsAsync(id, cancellationToken).ConfigureAwait(false);
        if (!counts.IsFinished || job.State is JobState.Cancelled)
        {
            await store.SetJobStateAsync(id, JobState.Running, cancellationToken).ConfigureAwait(false);
        }
        else if (job.State == JobState.Running)
        {
            await JobFinalizer.TryFinalizeAsync(store, job, output, cancellationToken).ConfigureAwait(false);
        }

        return (await store.GetJobAsync(id, cancellationToken).ConfigureAwait(false))!;
    }
}
