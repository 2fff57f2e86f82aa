using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// What a job grain knows of its partitions: each one's last counts and when it last reported, and which ones it has
/// set running. A job runs a few partitions at a time (<see cref="NextToRun"/>), so that only those few write their
/// state and hold attempts; the others wait their turn. Used on its grain's scheduler only.
/// </summary>
internal sealed class JobPartitions
{
    private JobCounts[] counts = [];
    private bool[] dispatching = [];
    private DateTimeOffset[] lastReport = [];

    /// <summary>Gets how many partitions there are.</summary>
    public int Count => counts.Length;

    /// <summary>Gets whether every partition has reported since it was tracked.</summary>
    public bool AllHeardFrom => lastReport.All(t => t != DateTimeOffset.MinValue);

    /// <summary>Gets whether every partition's items have all finished.</summary>
    public bool AllFinished => counts.All(c => c.IsFinished);

    /// <summary>Forgets what was known and tracks <paramref name="partitions"/> partitions, none heard from.</summary>
    public void Track(int partitions)
    {
        counts = Enumerable.Repeat(JobCounts.None, partitions).ToArray();
        dispatching = new bool[partitions];
        lastReport = new DateTimeOffset[partitions];
        lastReport.AsSpan().Fill(DateTimeOffset.MinValue);
    }

    /// <summary>Records partition <paramref name="p"/>'s counts at <paramref name="now"/>; false for a partition not tracked.</summary>
    public bool Report(int p, JobCounts partitionCounts, DateTimeOffset now)
    {
        if (p >= counts.Length)
        {
            return false;
        }

        (counts[p], lastReport[p]) = (partitionCounts, now);
        return true;
    }

    /// <summary>Marks partition <paramref name="p"/> as set running (or, after a failed call, not).</summary>
    public void SetDispatching(int p, bool value) => dispatching[p] = value;

    /// <summary>The partitions to ask for their counts at <paramref name="now"/>: those never heard from, and the
    /// running unfinished ones quiet for longer than <paramref name="quiet"/> (the call reactivates one whose silo
    /// died).</summary>
    public IReadOnlyList<int> Quiet(DateTimeOffset now, TimeSpan quiet) => Enumerable.Range(0, counts.Length)
        .Where(p => lastReport[p] == DateTimeOffset.MinValue || (dispatching[p] && now - lastReport[p] > quiet && !counts[p].IsFinished))
        .ToArray();

    /// <summary>Marks as running, and returns, the partitions among the first <paramref name="concurrent"/> unfinished
    /// ones (in index order, of those heard from) that are not running yet.</summary>
    public IReadOnlyList<int> NextToRun(int concurrent)
    {
        var next = Enumerable.Range(0, counts.Length)
            .Where(p => lastReport[p] != DateTimeOffset.MinValue && !counts[p].IsFinished)
            .Take(concurrent)
            .Where(p => !dispatching[p])
            .ToArray();
        foreach (var p in next)
        {
            dispatching[p] = true;
        }

        return next;
    }

    /// <summary>Returns the sum of the partitions' counts.</summary>
    public JobCounts Total() => counts.Aggregate(JobCounts.None, JobCounts.Add);
}
