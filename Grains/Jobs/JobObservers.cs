using ItkWasmCluster.Jobs;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// A job grain's observers (Orleans' <see cref="ObserverManager{TObserver}"/>: a subscription lapses unless renewed
/// within <see cref="Lease"/>; an observer whose notification fails is dropped) and the numbered notifications it sent
/// them. Each notification carries this activation's id and a sequence number, so that an observer puts one-way
/// notifications back in order and sees when it missed some; an observer that followed an earlier activation gets this
/// one's last <see cref="Replayable"/> notifications again. Used on its grain's scheduler only.
/// </summary>
internal sealed class JobObservers
{
    /// <summary>How long a subscription lasts unless renewed.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>How many of its last notifications an activation replays.</summary>
    public const int Replayable = 512;

    private readonly ObserverManager<IJobObserver> observers;
    private readonly Queue<(long Sequence, JobCounts Counts, IReadOnlyList<ItemEvent> Events)> recent = new();
    private long sequence;

    /// <summary>Starts with no observers.</summary>
    public JobObservers(TimeProvider time, ILogger logger) =>
        observers = new ObserverManager<IJobObserver>(Lease, logger) { GetDateTime = () => time.GetUtcNow().UtcDateTime };

    /// <summary>Gets this activation's id.</summary>
    public string Activation { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Subscribes (or renews) <paramref name="observer"/>; one that followed another activation
    /// (<paramref name="knownActivation"/>) is sent this one's notifications again, from its first.</summary>
    /// <returns>The subscription, with <paramref name="status"/> as it is now.</returns>
    public JobSubscription Subscribe(IJobObserver observer, string? knownActivation, JobStatus? status)
    {
        observers.Subscribe(observer, observer);
        if (knownActivation is null || knownActivation == Activation)
        {
            return new JobSubscription(status, Activation, sequence);
        }

        foreach (var (number, counts, events) in recent)
        {
            _ = observer.OnProgressAsync(Activation, number, counts, events);
        }

        return new JobSubscription(status, Activation, 0);
    }

    /// <summary>Ends <paramref name="observer"/>'s subscription.</summary>
    public void Unsubscribe(IJobObserver observer) => observers.Unsubscribe(observer);

    /// <summary>Tells the observers the job stands at <paramref name="counts"/> after <paramref name="events"/>.</summary>
    public Task ProgressAsync(JobCounts counts, IReadOnlyList<ItemEvent> events)
    {
        var number = ++sequence;
        recent.Enqueue((number, counts, events));
        if (recent.Count > Replayable)
        {
            recent.Dequeue();
        }

        return observers.Notify(o => o.OnProgressAsync(Activation, number, counts, events));
    }

    /// <summary>Tells the observers the job ended.</summary>
    public Task EndedAsync(JobStatus status) => observers.Notify(o => o.OnEndedAsync(Activation, sequence, status));
}
