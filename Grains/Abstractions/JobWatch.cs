using System.Diagnostics;
using System.Threading.Channels;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>
/// Follows one job through its grain from any Orleans client or silo: subscribes an observer (renewed every minute),
/// turns what it receives into a progress stream (a snapshot, then one entry per item event), and completes
/// <see cref="Ended"/> when the job ends. It also asks the job's status every few seconds, so an end it was not told
/// of (the job grain moved to another silo and lost its observers until the renewal) is still noticed.
/// </summary>
public sealed class JobWatch : IJobObserver, IAsyncDisposable
{
    private static readonly TimeSpan Renewal = TimeSpan.FromMinutes(1);
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
    private List<(JobCounts Counts, IReadOnlyList<ItemEvent> Events)>? early = [];
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
        var status = await watch.job.SubscribeAsync(watch.reference).ConfigureAwait(false);
        watch.renewing = watch.RenewAsync();
        return (watch, status);
    }

    /// <summary>Starts the stream with a snapshot of <paramref name="status"/>, then the events held back.</summary>
    public void Begin(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (gate)
        {
            progress.Writer.TryWrite(new JobProgress(jobId, status.Counts, null, Stopwatch.GetElapsedTime(started)));
            foreach (var (counts, events) in early ?? [])
            {
                Write(counts, events);
            }

            early = null;
        }

        if (status.State != JobState.Running)
        {
            End(status);
        }
    }

    /// <inheritdoc/>
    Task IJobObserver.OnProgressAsync(JobCounts counts, IReadOnlyList<ItemEvent> events)
    {
        lock (gate)
        {
            if (early is not null)
            {
                early.Add((counts, events));
            }
            else
            {
                Write(counts, events);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    Task IJobObserver.OnEndedAsync(JobStatus status)
    {
        lock (gate)
        {
            if (early is not null)
            {
                return Task.CompletedTask; // before Begin: the submission's answer says how the job stands
            }
        }

        End(status);
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

    private void Write(JobCounts counts, IReadOnlyList<ItemEvent> events)
    {
        foreach (var e in events)
        {
            progress.Writer.TryWrite(new JobProgress(jobId, counts, e, Stopwatch.GetElapsedTime(started)));
        }
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
        var renewed = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested && !ended.Task.IsCompleted)
        {
            try
            {
                await Task.Delay(Poll, stop.Token).ConfigureAwait(false);
                var renew = Stopwatch.GetElapsedTime(renewed) > Renewal;
                var status = renew ? await job.SubscribeAsync(reference).ConfigureAwait(false) : await job.GetStatusAsync().ConfigureAwait(false);
                renewed = renew ? Stopwatch.GetTimestamp() : renewed;
                bool begun;
                lock (gate)
                {
                    begun = early is null;
                }

                if (begun && status is { State: not JobState.Running })
                {
                    End(status);
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
