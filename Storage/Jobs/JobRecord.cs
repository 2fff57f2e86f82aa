namespace ItkWasmCluster.Jobs;

/// <summary>A job as the job store keeps it.</summary>
/// <param name="Id">The job's id: a hash of its spec, so running the same spec again finds the same job.</param>
/// <param name="Spec">The spec.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Created">When it was first submitted.</param>
/// <param name="Finished">When it last finished, if it has.</param>
public sealed record JobRecord(string Id, JobSpec Spec, JobState State, DateTimeOffset Created, DateTimeOffset? Finished);
