using System.Runtime.CompilerServices;
using ItkWasmCluster.Client;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Embedded;

/// <summary>A <see cref="JobOperation"/> over a job running in this process.</summary>
internal sealed class EmbeddedJobOperation(EmbeddedJob job) : JobOperation
{
    public override string Id => job.Id;

    public override async IAsyncEnumerable<JobProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var progress in job.Progress.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return progress;
        }
    }

    public override Task<JobSummary> WaitForCompletionAsync(CancellationToken cancellationToken = default) =>
        job.Completion.WaitAsync(cancellationToken);

    public override Task CancelAsync(CancellationToken cancellationToken = default)
    {
        job.Cancel();
        return Task.CompletedTask;
    }
}
