using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>A job grain's persistent state: small and independent of the number of items (those live in the
/// partitions).</summary>
[GenerateSerializer]
[Alias("itkwasm.JobGrainState")]
public sealed class JobGrainState
{
    /// <summary>Gets or sets the spec as JSON; empty for a job never submitted.</summary>
    [Id(0)]
    public string SpecJson { get; set; } = string.Empty;

    /// <summary>Gets or sets the job's name.</summary>
    [Id(1)]
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the output location as shown: without a SAS (the spec keeps the location that writes).</summary>
    [Id(2)]
    public string Output { get; set; } = string.Empty;

    /// <summary>Gets or sets where the job stands.</summary>
    [Id(3)]
    public JobState State { get; set; }

    /// <summary>Gets or sets when the job was first submitted.</summary>
    [Id(4)]
    public DateTimeOffset Created { get; set; }

    /// <summary>Gets or sets when the job last ended.</summary>
    [Id(5)]
    public DateTimeOffset? Finished { get; set; }

    /// <summary>Gets or sets how many partitions hold the items now.</summary>
    [Id(6)]
    public int Partitions { get; set; }

    /// <summary>Gets or sets the most partitions the job ever had (those beyond <see cref="Partitions"/> are empty).</summary>
    [Id(7)]
    public int MaxPartitions { get; set; }

    /// <summary>Gets or sets the counts when the job last ended.</summary>
    [Id(8)]
    public JobCounts Counts { get; set; } = JobCounts.None;

    /// <summary>Gets or sets whether the job was stored as running before all its partitions were given their items:
    /// a crash in between leaves it set, and the job is then admitted again (by the next submission or its reminder)
    /// rather than resumed with partitions that hold nothing.</summary>
    [Id(9)]
    public bool Admitting { get; set; }
}
