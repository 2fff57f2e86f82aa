using System.Diagnostics;
using System.Threading.Channels;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>
/// A job running in an <see cref="EmbeddedCluster"/>: its progress as a stream, its completion, and cancellation.
/// Cancelling stops the running pipelines and leaves the job resumable: running it again carries on where it stopped.
/// </summary>
public sealed class EmbeddedJob : IAsyncDisposable
{
    private readonly Channel<JobProgress> progress = Channel.CreateUnbounded<JobProgress>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource cancel = new();
    private readonly Lock gate = new();
    private readonly long started = Stopwatch.GetTimestamp();
    private JobCounts counts;

    internal EmbeddedJob(JobRecord job, JobCounts initial, IJobStore store, IBlobStore output, Func<Action<TaskEvent>, CancellationToken, Task> run, IDisposable stateLock)
    {
        Id = job.Id;
        Spec = job.Spec;
        counts = initial;
        Completion = RunAsync(job, store, output, run, stateLock);
    }

    /// <summary>Gets the job's id.</summary>
    public string Id { get; }

    /// <summary>Gets the job's spec.</summary>
    public JobSpec Spec { get; }

    /// <summary>Gets the progress stream: a snapshot first, then one entry per item event; it completes with the job.</summary>
    public ChannelReader<JobProgress> Progress => progress.Reader;

    /// <summary>Gets the task that completes when this run of the job ends, with its summary.</summary>
    public Task<JobSummary> Completion { get; }

    /// <summary>Stops the job: running pipelines are stopped, their items given back, and the job left resumable.</summary>
    public void Cancel() => cancel.Cancel();

    /// <summary>Cancels the job if it is running and waits for it to stop.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted)
        {
            await cancel.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Its outcome was reported to whoever awaited Completion.
        }

        cancel.Dispose();
    }

    private async Task<JobSummary> RunAsync(JobRecord job, IJobStore store, IBlobStore output, Func<Action<TaskEvent>, CancellationToken, Task> run, IDisposable stateLock)
    {
        await Task.Yield();
        var state = JobState.Running;
        try
        {
            progress.Writer.TryWrite(new JobProgress(Id, counts, null, TimeSpan.Zero));
            try
            {
                await run(Report, cancel.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                state = JobState.Cancelled;
            }

            var final = await store.GetCountsAsync(Id, CancellationToken.None).ConfigureAwait(false);
            state = state == JobState.Cancelled ? JobState.Cancelled : final.Failed > 0 ? JobState.Failed : JobState.Succeeded;
            await store.SetJobStateAsync(Id, state, CancellationToken.None).ConfigureAwait(false);
            var tasks = await store.GetTasksAsync(Id, CancellationToken.None).ConfigureAwait(false);
            await JobReport.WriteAsync(output, job, state, final, tasks, CancellationToken.None).ConfigureAwait(false);
            return new JobSummary(Id, state, final, tasks, Stopwatch.GetElapsedTime(started), output.GetLocalPath(JobReport.Name) ?? JobReport.Name);
        }
        finally
        {
            stateLock.Dispose();
            progress.Writer.TryComplete();
        }
    }

    private void Report(TaskEvent e)
    {
        JobCounts now;
        lock (gate)
        {
            var c = counts;
            now = counts = e.State switch
            {
                TaskState.Running => c with { Pending = c.Pending - 1, Running = c.Running + 1 },
                TaskState.Succeeded => c with { Running = c.Running - 1, Succeeded = c.Succeeded + 1 },
                TaskState.Failed => c with { Running = c.Running - 1, Failed = c.Failed + 1 },
                _ => c with { Running = c.Running - 1, Pending = c.Pending + 1 },
            };
        }

        progress.Writer.TryWrite(new JobProgress(Id, now, e, Stopwatch.GetElapsedTime(started)));
    }
}
