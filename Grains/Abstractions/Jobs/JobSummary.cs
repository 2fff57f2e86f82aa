namespace ItkWasmCluster.Jobs;

/// <summary>How a run of a job ended.</summary>
/// <param name="JobId">The job.</param>
/// <param name="State">Its state: succeeded, failed (some items failed), or cancelled (resumable).</param>
/// <param name="Counts">How many items stand where.</param>
/// <param name="Items">Every item, in order.</param>
/// <param name="Elapsed">How long the caller waited for it.</param>
/// <param name="Report">Where the <c>job.json</c> report was written.</param>
public sealed record JobSummary(string JobId, JobState State, JobCounts Counts, IReadOnlyList<ItemRecord> Items, TimeSpan Elapsed, string Report);
