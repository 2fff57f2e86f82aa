using System.Diagnostics;
using System.Runtime.CompilerServices;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>A <see cref="JobOperation"/> through the job's grain, from an Orleans client connected to the cluster's
/// gateways.</summary>
internal sealed class GrainJobOperation(IGrainFactory grains, string id) : JobOperation
{
    public override string Id => id;

    public override async IAsyncEnumerable<JobProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (watch, status) = await JobWatch.StartAsync(grains, id).ConfigureAwait(false);
        await using (watch.ConfigureAwait(false))
        {
            if (status is null)
            {
                throw new InvalidOperationException($"no job {id}");
            }

            watch.Begin(status);
            await foreach (var progress in watch.Progress.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return progress;
            }
        }
    }

    public override async Task<JobSummary> WaitForCompletionAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var (watch, status) = await JobWatch.StartAsync(grains, id).ConfigureAwait(false);
        await using (watch.ConfigureAwait(false))
        {
            watch.Begin(status ?? throw new InvalidOperationException($"no job {id}"));
            var ended = await watch.Ended.WaitAsync(cancellationToken).ConfigureAwait(false);
            var items = await grains.GetGrain<IJobGrain>(id).GetItemsAsync().ConfigureAwait(false);
            return new JobSummary(id, ended.State, ended.Counts, items, Stopwatch.GetElapsedTime(started), $"{ended.Output.TrimEnd('/')}/job.json");
        }
    }

    public override Task CancelAsync(CancellationToken cancellationToken = default) =>
        grains.GetGrain<IJobGrain>(id).CancelAsync().WaitAsync(cancellationToken);
}
