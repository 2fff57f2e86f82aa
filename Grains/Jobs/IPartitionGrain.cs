namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// A slice of a job's items (at most a few thousand), keyed <c>JOBID/N</c>. It keeps each item's status, attempts,
/// error, content key and silo in its persistent state, runs its items on the pipeline workers with a bounded window,
/// retries failed attempts with exponential backoff up to the job's retry budget, and records completions as they
/// come (coalesced writes). Its state outlives the silo: a reactivated partition resumes where it stopped, and the
/// attempts that were running then start again, uncounted.
/// </summary>
public interface IPartitionGrain : IGrainWithStringKey
{
    /// <summary>Makes the partition hold <paramref name="items"/> of the job <paramref name="specJson"/> describes and
    /// starts (or resumes) running them. Items already done stay done unless their input's version changed.</summary>
    Task StartAsync(string specJson, IReadOnlyList<PartitionItem> items);

    /// <summary>Returns the partition's items and counts.</summary>
    Task<PartitionSnapshot> GetAsync();

    /// <summary>Stops running: attempts in flight are cancelled and their items left pending, uncounted.</summary>
    Task StopAsync();
}

/// <summary>An item assigned to a partition.</summary>
/// <param name="Index">The item's index in the job.</param>
/// <param name="Input">The input blob's name.</param>
/// <param name="Output">The result blob's name.</param>
/// <param name="Version">The input's version (size and modification time): a change makes a done item run again.</param>
[GenerateSerializer]
[Immutable]
public sealed record PartitionItem(
    [property: Id(0)] int Index,
    [property: Id(1)] string Input,
    [property: Id(2)] string Output,
    [property: Id(3)] string Version);

/// <summary>Where an item stands.</summary>
public enum ItemStatus
{
    /// <summary>Waiting to run (again).</summary>
    Pending,

    /// <summary>An attempt is in flight.</summary>
    Running,

    /// <summary>Its result is committed.</summary>
    Succeeded,

    /// <summary>Its attempts are spent; the last one's error is kept.</summary>
    Failed,
}

/// <summary>One item's record.</summary>
[GenerateSerializer]
public sealed record ItemRecord
{
    /// <summary>Gets the item as assigned.</summary>
    [Id(0)]
    public required PartitionItem Item { get; init; }

    /// <summary>Gets where it stands.</summary>
    [Id(1)]
    public ItemStatus Status { get; init; }

    /// <summary>Gets how many attempts ended (cancelled ones are not counted).</summary>
    [Id(2)]
    public int Attempts { get; init; }

    /// <summary>Gets the last failed attempt's error.</summary>
    [Id(3)]
    public string? Error { get; init; }

    /// <summary>Gets the last failed attempt's pipeline stderr.</summary>
    [Id(4)]
    public string? Stderr { get; init; }

    /// <summary>Gets the last attempt's duration.</summary>
    [Id(5)]
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the committed result's content key.</summary>
    [Id(6)]
    public string? ContentKey { get; init; }

    /// <summary>Gets the silo that ran the last attempt.</summary>
    [Id(7)]
    public string? Silo { get; init; }

    /// <summary>Gets whether the result was reused rather than computed.</summary>
    [Id(8)]
    public bool Reused { get; init; }
}

/// <summary>A partition's items and how many stand where.</summary>
[GenerateSerializer]
[Immutable]
public sealed record PartitionSnapshot(
    [property: Id(0)] IReadOnlyList<ItemRecord> Items,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Running,
    [property: Id(3)] int Succeeded,
    [property: Id(4)] int Failed)
{
    /// <summary>Gets whether every item succeeded or failed.</summary>
    public bool IsFinished => Pending == 0 && Running == 0;
}
