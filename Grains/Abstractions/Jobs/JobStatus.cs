namespace ItkWasmCluster.Jobs;

/// <summary>A job as its cluster reports it.</summary>
/// <param name="Id">The job's id: a hash of its spec, so the same spec submitted again is the same job.</param>
/// <param name="Name">Its name.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Counts">How many items stand where.</param>
/// <param name="Output">Its output location.</param>
/// <param name="Created">When it was first submitted (the clock of the silo that took it).</param>
/// <param name="Finished">When it last ended, or null while it runs.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.JobStatus")]
public sealed record JobStatus(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] JobState State,
    [property: Id(3)] JobCounts Counts,
    [property: Id(4)] string Output,
    [property: Id(5)] DateTimeOffset Created,
    [property: Id(6)] DateTimeOffset? Finished);
