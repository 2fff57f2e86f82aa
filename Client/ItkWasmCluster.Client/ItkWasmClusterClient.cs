using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>
/// The entry point of the SDK: submits jobs to a cluster and returns a <see cref="JobOperation"/> for each. This client
/// runs them on an embedded cluster (this process is the whole cluster); the same calls will reach a remote cluster
/// over HTTP. Members are virtual so tests can mock the client. Dispose it to stop its pipeline executors.
/// </summary>
/// <example>
/// <code>
/// using var client = new ItkWasmClusterClient();
/// var job = await client.SubmitJobAsync(JobSpecParser.ReadFile("samples/job.yaml"));
/// await foreach (var p in job.WatchAsync()) Console.WriteLine($"{p.Counts.Succeeded}/{p.Counts.Total}");
/// var summary = await job.WaitForCompletionAsync();
/// </code>
/// </example>
public class ItkWasmClusterClient : IDisposable
{
    private readonly EmbeddedCluster? cluster;

    /// <summary>Creates a client running jobs on an embedded cluster.</summary>
    public ItkWasmClusterClient(ItkWasmClusterClientOptions? options = null) =>
        cluster = new EmbeddedCluster((options ?? new ItkWasmClusterClientOptions()).Embedded);

    /// <summary>For mocking.</summary>
    protected ItkWasmClusterClient()
    {
    }

    /// <summary>Submits (or resumes) a job: a spec already run with the same output location carries on where it
    /// stopped, and a finished one does no work.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="cancellationToken">Controls the request lifetime (not the job's; use <see cref="JobOperation.CancelAsync"/>).</param>
    /// <returns>The running job.</returns>
    /// <exception cref="JobSpecException">The spec is unusable; the exception names the field.</exception>
    /// <exception cref="InvalidOperationException">Another run holds the output location.</exception>
    public virtual async Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        var job = await Cluster.StartJobAsync(spec, cancellationToken).ConfigureAwait(false);
        return new EmbeddedJobOperation(job);
    }

    /// <summary>Stops the cluster's pipeline executors.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the cluster when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            cluster?.Dispose();
        }
    }

    private EmbeddedCluster Cluster => cluster ?? throw new InvalidOperationException("This client was created for mocking.");
}
