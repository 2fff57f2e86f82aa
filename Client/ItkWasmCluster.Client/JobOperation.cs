using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>A submitted job: its progress, its completion, cancellation and results (the Azure SDK's long-running
/// operation shape). Members are virtual so tests can mock it.</summary>
public abstract class JobOperation
{
    /// <summary>Gets the job's id.</summary>
    public abstract string Id { get; }

    /// <summary>Streams the job's progress: a snapshot, then one entry per item event, ending when the job does.</summary>
    /// <param name="cancellationToken">Stops watching (not the job).</param>
    public abstract IAsyncEnumerable<JobProgress> WatchAsync(CancellationToken cancellationToken = default);

    /// <summary>Waits until the job ends.</summary>
    /// <param name="cancellationToken">Stops waiting (not the job).</param>
    /// <returns>How the job ended: succeeded, failed (some items failed; the rest completed), or cancelled.</returns>
    public abstract Task<JobSummary> WaitForCompletionAsync(CancellationToken cancellationToken = default);

    /// <summary>Cancels the job: running pipelines stop, and the job stays resumable.</summary>
    public abstract Task CancelAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns every item with its status, attempts, duration and error, once the job has ended.</summary>
    public virtual async Task<IReadOnlyList<ItemRecord>> GetResultsAsync(CancellationToken cancellationToken = default) =>
        (await WaitForCompletionAsync(cancellationToken).ConfigureAwait(false)).Items;
}
