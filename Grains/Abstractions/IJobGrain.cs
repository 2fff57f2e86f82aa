using ItkWasmCluster.Jobs;
using Orleans.Concurrency;

namespace ItkWasmCluster.Grains;

/// <summary>
/// One job, keyed by its id (<see cref="JobIds.For"/>: a hash of its spec). It lists the dataset, splits the items into
/// partitions spread over the cluster, follows their progress, and at the end writes <c>job.json</c> into the output
/// location. Its state outlives every silo: while it runs it holds a reminder, so it resumes by itself after the whole
/// cluster restarts. Every silo's HTTP API, the embedded cluster and Orleans clients reach jobs through this grain.
/// </summary>
public interface IJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job, or resumes it: the dataset is listed again, items already done stay done unless their
    /// input changed, and a finished job whose inputs did not change does no work. Submitting a running job again
    /// changes nothing but to give its unfinished items a fresh budget of attempts lost with their silo (a killed
    /// embedded run, resumed by running it again, is not a poison item).</summary>
    /// <param name="spec">The job's spec; its id (<see cref="JobIds.For"/>) must be this grain's key.</param>
    /// <returns>The job as it stands after the submission.</returns>
    /// <exception cref="JobSpecException">The spec is invalid, its id is not this grain's key, the dataset or output
    /// location is unusable, or two items would write the same result.</exception>
    Task<JobStatus> SubmitAsync(JobSpec spec);

    /// <summary>Returns the job, or null when it was never submitted.</summary>
    [AlwaysInterleave]
    Task<JobStatus?> GetStatusAsync();

    /// <summary>Returns the job's spec, or null when it was never submitted.</summary>
    [AlwaysInterleave]
    Task<JobSpec?> GetSpecAsync();

    /// <summary>Returns every item of the job in index order (empty when it was never submitted).</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<ItemRecord>> GetItemsAsync();

    /// <summary>Cancels the job: attempts in flight are stopped (their running wasm too), their items left pending and
    /// uncounted, and <c>job.json</c> written. Submitting the same spec again resumes it.</summary>
    /// <returns>The job, or null when it was never submitted.</returns>
    Task<JobStatus?> CancelAsync();

    /// <summary>Sends the job's progress to <paramref name="observer"/> for the next two minutes (subscribe again
    /// sooner to keep it).</summary>
    /// <param name="observer">The observer.</param>
    /// <param name="knownActivation">The job grain activation the observer last heard from, or null for a new
    /// subscription. When it is another activation (the job grain moved since), the notifications this activation
    /// sent so far (the last few hundred) are sent again to the observer, so that it misses no event of the move.</param>
    /// <returns>The job as it stands when the subscription starts (null when it was never submitted), and where the
    /// notifications stand: the observer receives those after it (all of this activation's, after a move).</returns>
    [AlwaysInterleave]
    Task<JobSubscription> SubscribeAsync(IJobObserver observer, string? knownActivation = null);

    /// <summary>Stops sending progress to <paramref name="observer"/>.</summary>
    [AlwaysInterleave]
    Task UnsubscribeAsync(IJobObserver observer);
}

/// <summary>
/// Receives a job's progress (<see cref="IJobGrain.SubscribeAsync"/>). Orleans does not keep one-way notifications in
/// order, so each carries the job grain's activation and a sequence number within it: the receiver puts them back in
/// order (<see cref="JobWatch"/> does).
/// </summary>
public interface IJobObserver : IGrainObserver
{
    /// <summary>Items started or ended: the job's counts after <paramref name="events"/>, in the order they happened
    /// within each partition.</summary>
    /// <param name="activation">The job grain's activation that sends it.</param>
    /// <param name="sequence">The notification's number within that activation, from 1.</param>
    /// <param name="counts">The job's counts after the events.</param>
    /// <param name="events">What happened.</param>
    [OneWay]
    Task OnProgressAsync(string activation, long sequence, JobCounts counts, IReadOnlyList<ItemEvent> events);

    /// <summary>The job ended (succeeded, failed or cancelled) after the progress notification numbered
    /// <paramref name="sequence"/>.</summary>
    [OneWay]
    Task OnEndedAsync(string activation, long sequence, JobStatus status);
}

/// <summary>Where a subscription to a job's progress starts.</summary>
/// <param name="Status">The job, or null when it was never submitted.</param>
/// <param name="Activation">The job grain's activation that will send the notifications.</param>
/// <param name="Sequence">The number of the last notification it sent before the subscription.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.JobSubscription")]
public sealed record JobSubscription(
    [property: Id(0)] JobStatus? Status,
    [property: Id(1)] string Activation,
    [property: Id(2)] long Sequence);

/// <summary>The cluster's list of jobs and the submissions' idempotency keys. A single grain (key 0).</summary>
public interface IJobCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Records that <paramref name="jobId"/> was submitted, under <paramref name="idempotencyKey"/> if given.</summary>
    /// <returns>The job the key was first used for: <paramref name="jobId"/>, or another job (a conflict).</returns>
    Task<string> AddAsync(string jobId, string? idempotencyKey);

    /// <summary>Returns the jobs' ids, newest first.</summary>
    Task<IReadOnlyList<string>> ListAsync();
}
