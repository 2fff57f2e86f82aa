using System.Runtime.CompilerServices;
using ItkWasm.Pipelines;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>
/// Workers that claim tasks from the job store and run them: each claim is a lease, renewed every third of its length
/// while the item runs and fenced on completion. A failed attempt is retried after an exponential backoff until the
/// job's retry budget is spent, then recorded as failed with its error and stderr; the other items go on. A store that
/// is unreachable (a database restarting) is waited out with backoff, never fatal. Cancellation, or a lease lost
/// (another worker took the task, or its job was cancelled), stops the running pipeline and gives the task back
/// uncounted.
/// </summary>
internal sealed class WorkLoop(
    IJobStore store,
    int workers,
    TimeSpan lease,
    Func<CancellationToken, Task<TaskLease?>> claim,
    Func<TaskLease, CancellationToken, Task<TaskExecutor>> executorFor,
    Func<CancellationToken, Task<bool>> finished,
    Action<TaskEvent> report,
    TimeProvider time)
{
    private static readonly TimeSpan Idle = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxStoreBackoff = TimeSpan.FromSeconds(5);

    /// <summary>Gets the first retry's delay; each later one doubles it, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets the longest retry delay.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets a callback run when an attempt is abandoned because its lease was lost (the worker was paused past
    /// it, or the job was cancelled), found before writing a result or when the completion was fenced off: nothing of
    /// the attempt was written or recorded.</summary>
    public Action<TaskLease>? LeaseLost { get; init; }

    /// <summary>Runs until <c>finished</c> (asked whenever a claim finds nothing) says so, or cancellation.</summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(cancellationToken), CancellationToken.None)));

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        var storeBackoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            TaskLease? claimed;
            var claimStarted = time.GetTimestamp();
            try
            {
                claimed = await claim(cancellationToken).ConfigureAwait(false);
                if (claimed is null && await finished(cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(storeBackoff, time, cancellationToken).ConfigureAwait(false);
                storeBackoff = TimeSpan.FromTicks(Math.Min(storeBackoff.Ticks * 2, MaxStoreBackoff.Ticks));
                continue;
            }

            storeBackoff = TimeSpan.FromMilliseconds(100);
            if (claimed is null)
            {
                await Task.Delay(Idle, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            report(new TaskEvent(claimed.Input, claimed.Output, TaskState.Running, claimed.Attempt, TimeSpan.Zero, null, false));
            var outcome = await AttemptAsync(claimed, claimStarted, cancellationToken).ConfigureAwait(false);
            if (outcome is null)
            {
                continue;
            }

            if (await CompleteAsync(claimed, outcome, cancellationToken).ConfigureAwait(false))
            {
                report(new TaskEvent(claimed.Input, claimed.Output, outcome.State, claimed.Attempt, outcome.Duration, outcome.Error, outcome.Reused));
            }
            else
            {
                LeaseLost?.Invoke(claimed); // the completion was fenced off: the task had been claimed again
            }
        }
    }

    /// <summary>Records the outcome, retrying while the store is unreachable and the lease may still hold.</summary>
    private async Task<bool> CompleteAsync(TaskLease claimed, TaskOutcome outcome, CancellationToken cancellationToken)
    {
        for (var delay = TimeSpan.FromMilliseconds(100); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStoreBackoff.Ticks)))
        {
            try
            {
                return await store.CompleteAsync(claimed, outcome, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && time.GetUtcNow() < claimed.Expires + lease && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(delay, time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs one attempt; returns null when the lease was lost (the attempt is abandoned, not recorded).</summary>
    /// <param name="claimed">The claimed task.</param>
    /// <param name="claimStarted">This clock's timestamp from just before the claim was asked: the lease runs at least
    /// a lease length from then.</param>
    /// <param name="cancellationToken">Stops the attempt.</param>
    private async Task<TaskOutcome?> AttemptAsync(TaskLease claimed, long claimStarted, CancellationToken cancellationToken)
    {
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var renewal = new PeriodicTimer(lease / 3, time);
        var granted = new StrongBox<long>(claimStarted);
        var renewing = RenewAsync(claimed, granted, renewal, lost);
        var started = time.GetTimestamp();
        TaskExecutor? executor = null;
        try
        {
            executor = await executorFor(claimed, lost.Token).ConfigureAwait(false);
            return await executor.ExecuteAsync(claimed, ct => ConfirmLeaseAsync(claimed, granted, lost, ct), lost.Token).ConfigureAwait(false);
        }
        catch (Exception) when (lost.IsCancellationRequested)
        {
            // Lost lease or cancellation: whatever the attempt threw on the way out (a pipeline killed mid-run may
            // report itself as crashed), it is abandoned, not counted.
            await TryReleaseAsync(claimed).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            LeaseLost?.Invoke(claimed);
            return null;
        }
        catch (Exception e)
        {
            var elapsed = time.GetElapsedTime(started);
            var stderr = (e as PipelineRunException)?.Stderr;
            var message = e is PipelineRunException failed ? failed.Summary : e.Message;
            if (executor is null || claimed.Attempt > executor.Spec.Retries)
            {
                return new TaskOutcome(TaskState.Failed, elapsed, message, stderr);
            }

            var backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, FirstBackoff.Ticks << Math.Min(claimed.Attempt - 1, 20)));
            return new TaskOutcome(TaskState.Pending, elapsed, message, stderr, backoff);
        }
        finally
        {
            renewal.Dispose();
            await renewing.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Confirms the lease just before the result is written, so that a worker paused past its lease (SIGSTOP, a long
    /// GC) abandons the attempt instead of writing over the task's new owner. The lease was granted (or last renewed)
    /// for a lease length from <paramref name="granted"/>, a monotonic timestamp taken before asking, and a pause shows
    /// on that clock; so within two thirds of a lease of it the lease surely holds and no round trip is needed. Past
    /// that, the lease is renewed; a store briefly unreachable is retried for up to one lease length, then the lease
    /// counts as lost.
    /// </summary>
    private async Task<bool> ConfirmLeaseAsync(TaskLease claimed, StrongBox<long> granted, CancellationTokenSource lost, CancellationToken cancellationToken)
    {
        if (time.GetElapsedTime(Volatile.Read(ref granted.Value)) < lease * 2 / 3)
        {
            return true;
        }

        var giveUp = time.GetUtcNow() + lease;
        for (var delay = TimeSpan.FromMilliseconds(100); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxStoreBackoff.Ticks)))
        {
            try
            {
                var asked = time.GetTimestamp();
                if (await store.RenewAsync(claimed, lease, cancellationToken).ConfigureAwait(false))
                {
                    Volatile.Write(ref granted.Value, asked);
                    return true;
                }

                break;
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && time.GetUtcNow() < giveUp && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (StoreErrors.IsTransient(e))
            {
                break;
            }
        }

        await lost.CancelAsync().ConfigureAwait(false);
        return false;
    }

    private async Task TryReleaseAsync(TaskLease claimed)
    {
        try
        {
            await store.ReleaseAsync(claimed, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (StoreErrors.IsTransient(e))
        {
            // The lease will lapse and the task be claimed again.
        }
    }

    private async Task RenewAsync(TaskLease claimed, StrongBox<long> granted, PeriodicTimer renewal, CancellationTokenSource lost)
    {
        try
        {
            while (await renewal.WaitForNextTickAsync(CancellationToken.None).ConfigureAwait(false))
            {
                bool held;
                var asked = time.GetTimestamp();
                try
                {
                    held = await store.RenewAsync(claimed, lease, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (StoreErrors.IsTransient(e))
                {
                    continue; // Try again at the next tick; the lease outlives a short outage.
                }

                if (!held)
                {
                    await lost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                Volatile.Write(ref granted.Value, asked);
            }
        }
        catch (ObjectDisposedException)
        {
            // The attempt ended.
        }
    }
}
