namespace ItkWasmCluster.Jobs;

/// <summary>How many of a job's items stand where.</summary>
/// <param name="Total">All items.</param>
/// <param name="Pending">Waiting to run (first run, retry after backoff, or resumed after an interruption).</param>
/// <param name="Running">An attempt is in flight.</param>
/// <param name="Succeeded">Their results are committed.</param>
/// <param name="Failed">Failed after their retries.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.JobCounts")]
public sealed record JobCounts(
    [property: Id(0)] int Total,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Running,
    [property: Id(3)] int Succeeded,
    [property: Id(4)] int Failed)
{
    /// <summary>Gets no items: a new instance each time, never a shared one, because Orleans' deserializers may fill
    /// in a field's existing object (a shared "empty" instance in a grain state's default got overwritten that way).</summary>
    public static JobCounts None => new(0, 0, 0, 0, 0);

    /// <summary>Gets whether every item has finished, one way or the other.</summary>
    public bool IsFinished => Pending == 0 && Running == 0;

    /// <summary>Adds two counts.</summary>
    public static JobCounts operator +(JobCounts a, JobCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Total + b.Total, a.Pending + b.Pending, a.Running + b.Running, a.Succeeded + b.Succeeded, a.Failed + b.Failed);
    }

    /// <summary>Adds two counts.</summary>
    public static JobCounts Add(JobCounts a, JobCounts b) => a + b;
}
