using System.Threading.Channels;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Embedded;

/// <summary>
/// A job running in an <see cref="EmbeddedCluster"/>: its progress as a stream, its completion, and cancellation. When
/// the job ends, its silo stops and the output location is free again. Cancelling stops the running pipelines and
/// leaves the job resumable: running it again carries on where it stopped.
/// </summary>
public sealed class EmbeddedJob : IAsyncDisposable
{
    private readonly EmbeddedSilo silo;
    private readonly JobWatch watch;
    private readonly IJobGrain grain;

    private EmbeddedJob(EmbeddedSilo silo, JobWatch watch, JobSpec spec, string id)
    {
        this.silo = silo;
        this.watch = watch;
        Spec = spec;
        Id = id;
        grain = silo.Grains.GetGrain<IJobGrain>(id);
    }

    /// <summary>Gets the job's id.</summary>
    public string Id { get; }

    /// <summary>Gets the job's spec.</summary>
    public JobSpec Spec { get; }

    /// <summary>Gets the progress stream: a snapshot first, then one entry per item event; it completes with the job.</summary>
    public ChannelReader<JobProgress> Progress => watch.Progress;

    /// <summary>Gets the task that completes when this run of the job ends, with its summary.</summary>
    public Task<JobSummary> Completion { get; private set; } = null!;

    /// <summary>Stops the job: running pipelines are stopped, their items given back, and the job left resumable.</summary>
    public void Cancel() => _ = grain.CancelAsync();

    /// <summary>Cancels the job if it is running and waits for it to stop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted)
        {
            Cancel();
        }

        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or OrleansException)
        {
            // Its outcome was reported to whoever awaited Completion.
        }
    }

    /// <summary>Submits <paramref name="spec"/> on <paramref name="silo"/>; the job owns the silo and the lock from here.
    /// <paramref name="report"/> is where its <c>job.json</c> will be, as the summary shows it.</summary>
    internal static async Task<EmbeddedJob> StartAsync(EmbeddedSilo silo, JobSpec spec, string report, IDisposable stateLock, TimeProvider time, CancellationToken cancellationToken)
    {
        var id = JobIds.For(spec);
        var (watch, _) = await JobWatch.StartAsync(silo.Grains, id).WaitAsync(cancellationToken).ConfigureAwait(false);
        var job = new EmbeddedJob(silo, watch, spec, id);
        try
        {
            var status = await job.grain.SubmitAsync(spec).WaitAsync(cancellationToken).ConfigureAwait(false);
            watch.Begin(status);
        }
        catch
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        job.Completion = job.RunAsync(report, stateLock, time);
        return job;
    }

    private async Task<JobSummary> RunAsync(string report, IDisposable stateLock, TimeProvider time)
    {
        var started = time.GetTimestamp();
        try
        {
            var status = await watch.Ended.ConfigureAwait(false);
            var items = await grain.GetItemsAsync().ConfigureAwait(false);
            return new JobSummary(Id, status.State, status.Counts, items, time.GetElapsedTime(started), report);
        }
        finally
        {
            await watch.DisposeAsync().ConfigureAwait(false);
            await silo.DisposeAsync().ConfigureAwait(false);
            stateLock.Dispose();
        }
    }
}
