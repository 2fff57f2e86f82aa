using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>A job as a cluster reports it.</summary>
/// <param name="Id">The job's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Counts">How many items stand where.</param>
/// <param name="Output">Its output location.</param>
/// <param name="Created">When it was first submitted (the database clock).</param>
/// <param name="Finished">When it ended, or null while it runs (the database clock).</param>
public sealed record JobStatus(string Id, string Name, JobState State, JobCounts Counts, string Output, DateTimeOffset Created, DateTimeOffset? Finished);
