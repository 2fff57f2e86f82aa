using ItkWasm.Pipelines;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>
/// Workers that claim a job's tasks from the job store and run them: each claim is a lease, renewed every third of its
/// length while the item runs and fenced on completion. A failed attempt is retried after an exponential backoff until
/// the job's retry budget is spent, then recorded as failed with its error and stderr; the other items go on.
/// Cancellation stops running pipelines and gives their tasks back uncounted.
/// </summary>
internal sealed class WorkLoop(
    IJobStore store, string jobId, string owner, TaskExecutor executor, int workers, TimeSpan lease, int retries,
    Action<TaskEvent> report, TimeProvider time)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);

    /// <summary>Gets the first retry's delay; each later one doubles it, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets the longest retry delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs until every task has finished, or cancellation.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var claim = await store.ClaimAsync(jobId, owner, lease, cancellationToken).ConfigureAwait(false);
            if (claim is null)
            {
                if ((await store.GetCountsAsync(jobId, cancellationToken).ConfigureAwait(false)).IsFinished)
                {
                    return;
                }

                await Task.Delay(Idle, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            report(new TaskEvent(claim.Input, claim.Output, TaskState.Running, claim.Attempt, TimeSpan.Zero, null, false));
            var outcome = await AttemptAsync(claim, cancellationToken).ConfigureAwait(false);
            if (await store.CompleteAsync(claim, outcome, CancellationToken.None).ConfigureAwait(false))
            {
                report(new TaskEvent(claim.Input, claim.Output, outcome.State, claim.Attempt, outcome.Duration, outcome.Error, outcome.Reused));
            }
        }
    }

    private async Task<TaskOutcome> AttemptAsync(TaskLease claim, CancellationToken cancellationToken)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var renewal = new PeriodicTimer(lease / 3, time);
        var renewing = RenewAsync(claim, renewal, lost);
        var started = time.GetTimestamp();
        try
        {
            return await executor.ExecuteAsync(claim, lost.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await store.ReleaseAsync(claim, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception e)
        {
            var elapsed = time.GetElapsedTime(started);
            var stderr = (e as PipelineRunException)?.Stderr;
            var message = e is PipelineRunException failed ? failed.Summary : e.Message;
            if (claim.Attempt > retries)
            {
                return new TaskOutcome(TaskState.Failed, elapsed, message, stderr);
            }

            var backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(claim.Attempt - 1, 20)));
            return new TaskOutcome(TaskState.Pending, elapsed, message, stderr, time.GetUtcNow() + backoff);
        }
        finally
        {
            renewal.Dispose();
            await renewing.ConfigureAwait(false);
        }
    }

    private async Task RenewAsync(TaskLease claim, PeriodicTimer renewal, CancellationTokenSource lost)
    {
        try
        {
            while (await renewal.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (!await store.RenewAsync(claim, lease, CancellationToken.None).ConfigureAwait(false))
                {
                    await lost.CancelAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended.
        }
    }
}
