namespace ItkWasmCluster.Jobs;

/// <summary>A job's progress after one event.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Counts">How many items stand where.</param>
/// <param name="Event">What just happened, or null for a snapshot.</param>
/// <param name="Elapsed">Time since the watcher started watching.</param>
public sealed record JobProgress(string JobId, JobCounts Counts, ItemEvent? Event, TimeSpan Elapsed);
