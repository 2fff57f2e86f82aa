using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>How a run of a job ended.</summary>
/// <param name="JobId">The job.</param>
/// <param name="State">Its state: succeeded, failed (some items failed), or cancelled (resumable).</param>
/// <param name="Counts">How many items stand where.</param>
/// <param name="Tasks">Every item, in order.</param>
/// <param name="Elapsed">How long this run took.</param>
/// <param name="Report">Where the <c>job.json</c> report was written.</param>
public sealed record JobSummary(string JobId, JobState State, JobCounts Counts, IReadOnlyList<TaskRecord> Tasks, TimeSpan Elapsed, string Report);
