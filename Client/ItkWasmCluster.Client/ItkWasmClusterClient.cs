using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>
/// The entry point of the SDK: submits jobs to a cluster and returns a <see cref="JobOperation"/> for each. With an
/// <see cref="ItkWasmClusterClientOptions.Endpoint"/> it talks to a remote cluster over HTTP (any silo), retrying
/// transient failures; without one it runs jobs on an embedded cluster (this process is the whole cluster). The same
/// job spec runs either way. Members are virtual so tests can mock the client. Dispose it to stop its pipeline executors
/// or close its connections.
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
    private readonly ClusterHttp? http;

    /// <summary>Creates a client for the remote cluster <see cref="ItkWasmClusterClientOptions.Endpoint"/> names, or
    /// for an embedded cluster when it is null.</summary>
    public ItkWasmClusterClient(ItkWasmClusterClientOptions? options = null)
    {
        options ??= new ItkWasmClusterClientOptions();
        if (options.Endpoint is { } endpoint)
        {
            http = new ClusterHttp(endpoint, options.Token, options.MaxRetries);
        }
        else
        {
            cluster = new EmbeddedCluster(options.Embedded);
        }
    }

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
    /// <exception cref="ItkWasmClusterException">A remote cluster refused the job (400 names the field).</exception>
    public virtual async Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (http is not null)
        {
            // One key per call: the retries of this call create one job.
            var view = await http.SendAsync(HttpMethod.Post, "/api/jobs", JobSpecParser.ToJson(spec), Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false);
            return new HttpJobOperation(http, view["id"]!.GetValue<string>());
        }

        var job = await Cluster.StartJobAsync(spec, cancellationToken).ConfigureAwait(false);
        return new EmbeddedJobOperation(job);
    }

    /// <summary>Returns the operation of a job submitted earlier to a remote cluster.</summary>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster, whose jobs are reached through the
    /// operation <see cref="SubmitJobAsync"/> returned.</exception>
    public virtual JobOperation GetJob(string id) => http is not null
        ? new HttpJobOperation(http, id)
        : throw new NotSupportedException("an embedded cluster's jobs are reached through the operation SubmitJobAsync returned");

    /// <summary>Returns a remote cluster's jobs, newest first.</summary>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster.</exception>
    public virtual async Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken = default) => http is not null
        ? (await http.SendAsync(HttpMethod.Get, "/api/jobs", cancellationToken: cancellationToken).ConfigureAwait(false)).AsArray().Select(j => ClusterHttp.Status(j!)).ToArray()
        : throw new NotSupportedException("an embedded cluster runs one job at a time in this process");

    /// <summary>Returns a remote cluster's view of one job.</summary>
    /// <exception cref="ItkWasmClusterException">No such job (404), or the request was refused.</exception>
    public virtual async Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken = default) => http is not null
        ? ClusterHttp.Status(await http.SendAsync(HttpMethod.Get, $"/api/jobs/{id}", cancellationToken: cancellationToken).ConfigureAwait(false))
        : throw new NotSupportedException("an embedded cluster's jobs are reached through the operation SubmitJobAsync returned");

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
            http?.Dispose();
        }
    }

    private EmbeddedCluster Cluster => cluster ?? throw new InvalidOperationException("This client was created for mocking.");
}
