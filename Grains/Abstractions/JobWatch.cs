using System.Diagnostics;
using System.Threading.Channels;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>
/// Follows one job through its grain from any Orleans client or silo: subscribes an observer, puts the notifications
/// back in the order the job grain sent them (Orleans delivers one-way calls in any order), turns them into a progress
/// stream (a snapshot, then one entry per item event), and completes <see cref="Ended"/> when the job ends, after its
/// last events. It subscribes again every few seconds, which renews the subscription, brings the events back after the
/// job grain moved to another silo (its silo died, and its observers with it; the events in between are lost, the
/// counts are not), and notices an end it was not told of.
/// </summary>
public sealed class JobWatch : IJobObserver, IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(3);
    private readonly IJobGrain job;
    private readonly string jobId;
    private readonly IJobObserver reference;
    private readonly IGrainFactory grains;
    private readonly Channel<JobProgress> progress = Channel.CreateUnbounded<JobProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<JobStatus> ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly long started = Stopwatch.GetTimestamp();
    private readonly Dictionary<(string Activation, long Sequence), (JobCounts Counts, IReadOnlyList<ItemEvent> Events)> held = [];
    private (string Activation, long Sequence, JobStatus Status)? end;
    private string? epoch;
    private long next;
    private bool begun;
    private Task? renewing;

    private JobWatch(IGrainFactory grains, string jobId)
    {
        this.grains = grains;
        this.jobId = jobId;
        job = grains.GetGrain<IJobGrain>(jobId);
        reference = grains.CreateObjectReference<IJobObserver>(this);
    }

    /// <summary>Gets the progress stream: a snapshot first, then one entry per item event; it completes when the job
    /// ends.</summary>
    public ChannelReader<JobProgress> Progress => progress.Reader;

    /// <summary>Gets a task that completes with the job's status when it ends.</summary>
    public Task<JobStatus> Ended => ended.Task;

    /// <summary>Subscribes to the job <paramref name="jobId"/>. Until <see cref="Begin"/> is called, events are held
    /// back, so that the stream starts with a snapshot.</summary>
    /// <returns>The watch and the job's status (null when it was not submitted yet).</returns>
    public static async Task<(JobWatch Watch, JobStatus? Status)> StartAsync(IGrainFactory grains, string jobId)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var watch = new JobWatch(grains, jobId);
        var subscription = await watch.job.SubscribeAsync(watch.reference).ConfigureAwait(false);
        lock (watch.gate)
        {
            watch.Adopt(subscription);
        }

        watch.renewing = watch.RenewAsync();
        return (watch, subscription.Status);
    }

    /// <summary>Starts the stream with a snapshot of <paramref name="status"/>, then the events held back: those the
    /// job grain sent after the subscription (a submission's status includes the events it caused).</summary>
    public void Begin(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (gate)
        {
            progress.Writer.TryWrite(new JobProgress(jobId, status.Counts, null, Stopwatch.GetElapsedTime(started)));
            begun = true;
            Drain();
        }

        if (status.State != JobState.Running)
        {
            End(status);
        }
    }

    /// <inheritdoc/>
    Task IJobObserver.OnProgressAsync(string activation, long sequence, JobCounts counts, IReadOnlyList<ItemEvent> events)
    {
        lock (gate)
        {
            held[(activation, sequence)] = (counts, events);
            Drain();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    Task IJobObserver.OnEndedAsync(string activation, long sequence, JobStatus status)
    {
        lock (gate)
        {
            end = (activation, sequence, status);
            Drain();
        }

        return Task.CompletedTask;
    }

    /// <summary>Unsubscribes and stops the stream.</summary>
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        if (renewing is not null)
        {
            await renewing.ConfigureAwait(false);
        }

        try
        {
            await job.UnsubscribeAsync(reference).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or ObjectDisposedException or OperationCanceledException)
        {
            // The subscription lapses by itself.
        }

        grains.DeleteObjectReference<IJobObserver>(reference);
        progress.Writer.TryComplete();
        stop.Dispose();
    }

    // Follows the activation a subscription names: notifications up to its sequence are in the status it returned.
    private void Adopt(JobSubscription subscription)
    {
        if (subscription.Activation == epoch)
        {
            return;
        }

        epoch = subscription.Activation;
        next = subscription.Sequence + 1;
        foreach (var key in held.Keys.Where(k => k.Activation != epoch || k.Sequence < next).ToArray())
        {
            held.Remove(key);
        }

        Drain();
    }

    // Writes the held notifications that are next in order, then ends if the end's turn has come.
    private void Drain()
    {
        if (!begun || epoch is null)
        {
            return;
        }

        while (held.Remove((epoch, next), out var batch))
        {
            foreach (var e in batch.Events)
            {
                progress.Writer.TryWrite(new JobProgress(jobId, batch.Counts, e, Stopwatch.GetElapsedTime(started)));
            }

            next++;
        }

        if (end is { } last && last.Activation == epoch && next > last.Sequence)
        {
            End(last.Status);
        }
    }

    // A notification that has not come a poll after a later one did was lost (a broken connection): go on without it.
    private void SkipLostGap(ref long? stalledAt)
    {
        var waiting = held.Keys.Where(k => k.Activation == epoch).Select(k => k.Sequence).DefaultIfEmpty().Min();
        if (waiting > next && stalledAt == next)
        {
            next = waiting;
            Drain();
        }

        stalledAt = waiting > next ? next : null;
    }

    private void End(JobStatus status)
    {
        if (ended.TrySetResult(status))
        {
            progress.Writer.TryComplete();
        }
    }

    private async Task RenewAsync()
    {
        var endPolled = false;
        long? stalledAt = null;
        while (!stop.IsCancellationRequested && !ended.Task.IsCompleted)
        {
            try
            {
                await Task.Delay(Poll, stop.Token).ConfigureAwait(false);
                string? known;
                lock (gate)
                {
                    known = epoch;
                }

                var subscription = await job.SubscribeAsync(reference, known).ConfigureAwait(false);
                bool ready;
                lock (gate)
                {
                    Adopt(subscription);
                    ready = begun;
                    SkipLostGap(ref stalledAt);
                }

                if (ready && subscription.Status is { State: not JobState.Running } status)
                {
                    // The end's notification is on its way, after the job's last events; take the poll's word for it
                    // only if it has not come by the next poll.
                    if (endPolled)
                    {
                        End(status);
                    }

                    endPolled = true;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The cluster is busy or a silo is being replaced: ask again at the next poll.
            }
        }
    }
}
