namespace ItkWasmCluster.Jobs;

/// <summary>How many of a job's items stand where.</summary>
/// <param name="Total">All items.</param>
/// <param name="Pending">Waiting.</param>
/// <param name="Running">Claimed.</param>
/// <param name="Succeeded">Done.</param>
/// <param name="Failed">Failed after their retries.</param>
public sealed record JobCounts(int Total, int Pending, int Running, int Succeeded, int Failed)
{
    /// <summary>Gets whether every item has finished, one way or the other.</summary>
    public bool IsFinished => Pending == 0 && Running == 0;
}
