using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>
/// The entry point of the SDK: submits jobs to a cluster and returns a <see cref="JobOperation"/> for each. It
/// connects one of three ways, with the same API and the same job specs: over HTTP to any silo
/// (<see cref="ItkWasmClusterClientOptions.Endpoint"/>, retrying transient failures), as an Orleans client through the
/// cluster's gateways (<see cref="ItkWasmClusterClientOptions.ClusterStore"/>), or to an embedded cluster in this
/// process (pass an <c>EmbeddedCluster</c>, from the <c>ItkWasmCluster.Embedded</c> package, as the
/// <see cref="IClusterConnection"/>). Members are virtual so tests can mock the client. Dispose it to close its
/// connection (for the embedded cluster: to stop its pipeline executors).
/// </summary>
/// <example>
/// <code>
/// using var client = new ItkWasmClusterClient(new EmbeddedCluster());   // or new ItkWasmClusterClientOptions { Endpoint = … }
/// var job = await client.SubmitJobAsync(JobSpecParser.ReadFile("samples/job.yaml"));
/// await foreach (var p in job.WatchAsync()) Console.WriteLine($"{p.Counts.Succeeded}/{p.Counts.Total}");
/// var summary = await job.WaitForCompletionAsync();
/// </code>
/// </example>
public class ItkWasmClusterClient : IDisposable
{
    private readonly IClusterConnection? connection;

    /// <summary>Creates a client for the remote cluster <paramref name="options"/> names.</summary>
    /// <exception cref="ArgumentException">Neither or both of an endpoint and a cluster store are set, or the store's
    /// settings are invalid; the message names the setting.</exception>
    public ItkWasmClusterClient(ItkWasmClusterClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        connection = (options.Endpoint, options.ClusterStore) switch
        {
            ({ } endpoint, null) => new HttpClusterConnection(new ClusterHttp(endpoint, options.Token, options.MaxRetries)),
            (null, { } store) => Validated(store),
            (null, null) => throw new ArgumentException("set Endpoint (a silo's HTTP API) or ClusterStore (an Orleans client); for a cluster in this process, pass an EmbeddedCluster", nameof(options)),
            _ => throw new ArgumentException("set either Endpoint (HTTP) or ClusterStore (Orleans client), not both", nameof(options)),
        };
    }

    /// <summary>Creates a client over <paramref name="connection"/>, such as an embedded cluster; the client owns it.</summary>
    public ItkWasmClusterClient(IClusterConnection connection) =>
        this.connection = connection ?? throw new ArgumentNullException(nameof(connection));

    /// <summary>For mocking.</summary>
    protected ItkWasmClusterClient()
    {
    }

    /// <summary>Submits (or resumes) a job: a spec already run carries on where it stopped, and a finished one does no
    /// work.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="cancellationToken">Controls the request lifetime (not the job's; use <see cref="JobOperation.CancelAsync"/>).</param>
    /// <returns>The running job.</returns>
    /// <exception cref="JobSpecException">The spec is unusable; the exception names the field.</exception>
    /// <exception cref="InvalidOperationException">Another embedded run holds the output location.</exception>
    /// <exception cref="ItkWasmClusterException">The HTTP API refused the job (400 names the field).</exception>
    public virtual Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Connection.SubmitJobAsync(spec, cancellationToken);
    }

    /// <summary>Returns the operation of a job submitted earlier to a remote cluster.</summary>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster, whose jobs are reached through the
    /// operation <see cref="SubmitJobAsync"/> returned.</exception>
    public virtual Task<JobOperation> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        Connection.GetJobAsync(id, cancellationToken);

    /// <summary>Returns a remote cluster's jobs, newest first.</summary>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster.</exception>
    public virtual Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken = default) =>
        Connection.ListJobsAsync(cancellationToken);

    /// <summary>Returns a remote cluster's view of one job.</summary>
    /// <exception cref="ItkWasmClusterException">No such job (404), or the request was refused.</exception>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster.</exception>
    public virtual Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken = default) =>
        Connection.GetStatusAsync(id, cancellationToken);

    /// <summary>Closes the connection.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the connection when <paramref name="disposing"/>.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            connection?.Dispose();
        }
    }

    private static OrleansClusterConnection Validated(Grains.ClusterStoreOptions store)
    {
        store.Validate();
        return new OrleansClusterConnection(store);
    }

    private IClusterConnection Connection => connection ?? throw new InvalidOperationException("This client was created for mocking.");
}
