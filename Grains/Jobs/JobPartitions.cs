using ItkWasmCluster.Jobs;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// What a job grain knows of its partitions: each one's last counts and when it last reported, and which ones it has
/// set running. A job runs a few partitions at a time (<see cref="NextToRun"/>), so that only those few write their
/// state and hold attempts; the others wait their turn. Used on its grain's scheduler only.
/// </summary>
/// <param name="time">The clock.</param>
/// <param name="logger">Where partitions that do not answer are logged.</param>
internal sealed partial class JobPartitions(TimeProvider time, ILogger logger)
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

    /// <summary>How many partitions a job of <paramref name="items"/> items is split into: at most
    /// <see cref="PartitionGrain.MaxItems"/> items each, and at least <see cref="JobGrain.MinPartitions"/> partitions when
    /// there are that many items.</summary>
    public static int CountFor(int items) =>
        items == 0 ? 0 : Math.Max(Math.Min(items, JobGrain.MinPartitions), (items + PartitionGrain.MaxItems - 1) / PartitionGrain.MaxItems);

    /// <summary>Returns partition <paramref name="partition"/>'s contiguous share of <paramref name="items"/>.</summary>
    public static PartitionItem[] Slice(IReadOnlyList<PartitionItem> items, int partition, int count)
    {
        var start = (int)((long)items.Count * partition / count);
        var end = (int)((long)items.Count * (partition + 1) / count);
        return items.Skip(start).Take(end - start).ToArray();
    }

    /// <summary>Asks the <see cref="Quiet"/> partitions for their counts, each within <paramref name="quiet"/>: the call
    /// reactivates (and so resumes) one whose silo died. One that does not answer is asked again next time.</summary>
    public Task AskQuietAsync(string jobId, Func<int, IPartitionGrain> partition, TimeSpan quiet, CancellationToken cancellationToken) =>
        Task.WhenAll(Quiet(time.GetUtcNow(), quiet).Select(async p =>
        {
            try
            {
                Report(p, await partition(p).GetCountsAsync().WaitAsync(quiet, cancellationToken), time.GetUtcNow());
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or OperationCanceledException)
            {
                LogPartitionUnreachable(logger, jobId, p, e.Message);
            }
        }));

    /// <summary>Sets running the partitions <see cref="NextToRun"/> names; one that does not answer is tried again by
    /// the next call.</summary>
    public Task RunNextAsync(string jobId, Func<int, IPartitionGrain> partition, int concurrent) =>
        Task.WhenAll(NextToRun(concurrent).Select(async p =>
        {
            try
            {
                Report(p, await partition(p).RunAsync(), time.GetUtcNow());
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                dispatching[p] = false;
                LogPartitionUnreachable(logger, jobId, p, e.Message);
            }
        }));

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: partition {Partition} did not answer ({Reason}); asking again")]
    private static partial void LogPartitionUnreachable(ILogger logger, string jobId, int partition, string reason);
}
