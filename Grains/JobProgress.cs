using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>A job's progress after one event.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Counts">How many items stand where.</param>
/// <param name="Event">What just happened, or null for a snapshot.</param>
/// <param name="Elapsed">Time since this run of the job started.</param>
public sealed record JobProgress(string JobId, JobCounts Counts, TaskEvent? Event, TimeSpan Elapsed);
