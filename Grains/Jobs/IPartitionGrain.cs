using ItkWasmCluster.Jobs;
using Orleans.Concurrency;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// A slice of a job's items (at most <see cref="PartitionGrain.MaxItems"/>), keyed <c>JOBID/N</c>. It keeps each
/// item's record (status, attempts, error, content key, silo) in its persistent state, runs its items on the pipeline
/// worker grains of every active silo in proportion to their compute slots (never more attempts in flight on a silo
/// than its slots, <see cref="AttemptLedger"/>), retries failed attempts with exponential
/// backoff up to the job's retry budget, records completions as they come (coalesced writes of its own state only),
/// and reports each item's start and end to its job grain. A reactivated partition (its silo died, or the cluster
/// restarted) resumes where it stopped: attempts that were in flight start again, uncounted.
/// </summary>
public interface IPartitionGrain : IGrainWithStringKey
{
    /// <summary>Makes the partition hold <paramref name="items"/> of the job <paramref name="spec"/> describes, and
    /// when <paramref name="run"/> starts (or resumes) running them. An item already done stays done unless its input's
    /// version changed; a record keeps its content key, so an unchanged result is reused rather than rewritten.</summary>
    /// <param name="spec">The job's spec.</param>
    /// <param name="items">The partition's items.</param>
    /// <param name="run">Whether to start running now (otherwise <see cref="RunAsync"/> starts it).</param>
    /// <returns>The partition's counts.</returns>
    Task<JobCounts> StartAsync(JobSpec spec, IReadOnlyList<PartitionItem> items, bool run);

    /// <summary>Returns the spec of the job whose items the partition holds, for the workers that run them (item requests
    /// carry the job's id, not its spec; each silo asks once per job).</summary>
    /// <exception cref="InvalidOperationException">The partition was never started.</exception>
    Task<JobSpec> GetSpecAsync();

    /// <summary>Gives the unfinished items a fresh budget of silo losses (<see cref="ItemRecord.SiloLosses"/>): the job
    /// was submitted again, a person's decision to try once more (a silo's crash, or a killed embedded run, is not).</summary>
    Task ForgiveSiloLossesAsync();

    /// <summary>Starts running the items (again); running already, it changes nothing.</summary>
    /// <returns>The partition's counts.</returns>
    Task<JobCounts> RunAsync();

    /// <summary>Returns the partition's counts (activating it, which resumes it if it was running).</summary>
    Task<JobCounts> GetCountsAsync();

    /// <summary>Returns the partition's items in index order.</summary>
    Task<IReadOnlyList<ItemRecord>> GetItemsAsync();

    /// <summary>Stops running: attempts in flight are cancelled (their running wasm too) and their items left pending,
    /// uncounted.</summary>
    /// <returns>The partition's counts once stopped.</returns>
    Task<JobCounts> StopAsync();
}

/// <summary>What the partitions report to their job grain (the job grain implements it).</summary>
public interface IJobProgressGrain : IGrainWithStringKey
{
    /// <summary>Partition <paramref name="partition"/> now stands at <paramref name="counts"/> after
    /// <paramref name="events"/>. Interleaves with the job grain's other work (a partition reports while the job
    /// grain waits for it to stop).</summary>
    [AlwaysInterleave]
    Task ReportAsync(int partition, JobCounts counts, IReadOnlyList<ItemEvent> events);

    /// <summary>Ends the job (writes <c>job.json</c>, tells the observers) if every item has finished; otherwise does
    /// nothing. The job grain sends it to itself, to end in a turn of its own.</summary>
    Task EndIfFinishedAsync();
}

/// <summary>An item assigned to a partition.</summary>
/// <param name="Index">The item's index in the job.</param>
/// <param name="Input">The input blob's name.</param>
/// <param name="Output">The result blob's name.</param>
/// <param name="Version">The input's version (a file's size and modification time, a blob's ETag): a change makes a
/// done item run again.</param>
/// <param name="ContentHash">The hash of the input's bytes its store keeps (Azure's Content-MD5), as listed; null
/// when the store keeps none.</param>
/// <param name="Length">The input's length in bytes, as listed (0: not known).</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.PartitionItem")]
public sealed record PartitionItem(
    [property: Id(0)] int Index,
    [property: Id(1)] string Input,
    [property: Id(2)] string Output,
    [property: Id(3)] string Version,
    [property: Id(4)] string? ContentHash = null,
    [property: Id(5)] long Length = 0);

/// <summary>A partition's persistent state.</summary>
[GenerateSerializer]
[Alias("itkwasm.PartitionState")]
public sealed class PartitionState
{
    /// <summary>Gets or sets the job's spec as JSON (<c>JobSpecParser.ToJson</c>): kept as text in the stored state, the
    /// form it had before specs crossed grain calls typed; read once per activation.</summary>
    [Id(0)]
    public string SpecJson { get; set; } = string.Empty;

    /// <summary>Gets or sets the items, in index order.</summary>
    [Id(1)]
    public List<ItemRecord> Items { get; set; } = [];

    /// <summary>Gets or sets whether the partition was started and not stopped: a reactivated partition resumes.</summary>
    [Id(2)]
    public bool Running { get; set; }

    /// <summary>Gets or sets the activation that wrote this state (an opaque token): a write refused as stale is
    /// recognized as following one of the same activation's own writes that landed though its reply was lost.</summary>
    [Id(4)]
    public string Writer { get; set; } = string.Empty;

    /// <summary>Gets or sets the items that run by chunks, by result name: their plans and chunk records.</summary>
    [Id(5)]
    public Dictionary<string, ChunkedItem> Chunked { get; set; } = new(StringComparer.Ordinal);
}
