using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ItkWasmCluster.Client;

/// <summary>
/// The entry point of the SDK: submits jobs to a cluster and returns a <see cref="JobOperation"/> for each. It
/// connects one of three ways, with the same API and the same job specs: over HTTP to any silo
/// (<see cref="ItkWasmClusterClientOptions.Endpoint"/>, retrying transient failures), as an Orleans client through the
/// cluster's gateways (<see cref="ItkWasmClusterClientOptions.ClusterStore"/>), or, with neither, to an embedded
/// cluster (an Orleans silo in this process). Members are virtual so tests can mock the client. Dispose it to close its
/// connections or stop its pipeline executors.
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
    private readonly Lazy<Task<IHost>>? orleans;

    /// <summary>Creates a client for the cluster <paramref name="options"/> name.</summary>
    /// <exception cref="ArgumentException">Both an endpoint and a cluster store are set, or the store's settings are
    /// invalid; the message names the setting.</exception>
    public ItkWasmClusterClient(ItkWasmClusterClientOptions? options = null)
    {
        options ??= new ItkWasmClusterClientOptions();
        if (options.Endpoint is { } endpoint)
        {
            if (options.ClusterStore is not null)
            {
                throw new ArgumentException("set either Endpoint (HTTP) or ClusterStore (Orleans client), not both", nameof(options));
            }

            http = new ClusterHttp(endpoint, options.Token, options.MaxRetries);
        }
        else if (options.ClusterStore is { } store)
        {
            store.Validate();
            orleans = new(() => ConnectAsync(store));
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

    /// <summary>Submits (or resumes) a job: a spec already run carries on where it stopped, and a finished one does no
    /// work.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="cancellationToken">Controls the request lifetime (not the job's; use <see cref="JobOperation.CancelAsync"/>).</param>
    /// <returns>The running job.</returns>
    /// <exception cref="JobSpecException">The spec is unusable; the exception names the field.</exception>
    /// <exception cref="InvalidOperationException">Another embedded run holds the output location.</exception>
    /// <exception cref="ItkWasmClusterException">The HTTP API refused the job (400 names the field).</exception>
    public virtual async Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (http is not null)
        {
            // One key per call: the retries of this call create one job.
            var view = await http.SendAsync(HttpMethod.Post, "/api/jobs", JobSpecParser.ToJson(spec), Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false);
            return new HttpJobOperation(http, view["id"]!.GetValue<string>());
        }

        if (orleans is not null)
        {
            var grains = await GrainsAsync(cancellationToken).ConfigureAwait(false);
            var id = JobIds.For(spec);
            await grains.GetGrain<IJobGrain>(id).SubmitAsync(JobSpecParser.ToJson(spec).ToJsonString()).WaitAsync(cancellationToken).ConfigureAwait(false);
            return new GrainJobOperation(grains, id);
        }

        var job = await Cluster.StartJobAsync(spec, cancellationToken).ConfigureAwait(false);
        return new EmbeddedJobOperation(job);
    }

    /// <summary>Returns the operation of a job submitted earlier to a remote cluster.</summary>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster, whose jobs are reached through the
    /// operation <see cref="SubmitJobAsync"/> returned.</exception>
    public virtual async Task<JobOperation> GetJobAsync(string id, CancellationToken cancellationToken = default) =>
        http is not null ? new HttpJobOperation(http, id)
        : orleans is not null ? new GrainJobOperation(await GrainsAsync(cancellationToken).ConfigureAwait(false), id)
        : throw EmbeddedOnly();

    /// <summary>Returns a remote cluster's jobs, newest first.</summary>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster.</exception>
    public virtual async Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        if (http is not null)
        {
            return (await http.SendAsync(HttpMethod.Get, "/api/jobs", cancellationToken: cancellationToken).ConfigureAwait(false)).AsArray().Select(j => JobJson.ToStatus(j!)).ToArray();
        }

        var grains = orleans is not null ? await GrainsAsync(cancellationToken).ConfigureAwait(false) : throw EmbeddedOnly();
        var ids = await grains.GetGrain<IJobCatalogGrain>(0).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return (await Task.WhenAll(ids.Select(id => grains.GetGrain<IJobGrain>(id).GetStatusAsync())).ConfigureAwait(false)).OfType<JobStatus>().ToArray();
    }

    /// <summary>Returns a remote cluster's view of one job.</summary>
    /// <exception cref="ItkWasmClusterException">No such job (404), or the request was refused.</exception>
    /// <exception cref="NotSupportedException">The client runs an embedded cluster.</exception>
    public virtual async Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken = default)
    {
        if (http is not null)
        {
            return JobJson.ToStatus(await http.SendAsync(HttpMethod.Get, $"/api/jobs/{id}", cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        var grains = orleans is not null ? await GrainsAsync(cancellationToken).ConfigureAwait(false) : throw EmbeddedOnly();
        return await grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(cancellationToken).ConfigureAwait(false)
               ?? throw new ItkWasmClusterException(System.Net.HttpStatusCode.NotFound, $"no job {id}", null);
    }

    /// <summary>Closes the connections or stops the embedded cluster's pipeline executors.</summary>
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
            if (orleans is { IsValueCreated: true } && orleans.Value.IsCompletedSuccessfully)
            {
                using var host = orleans.Value.Result;
                host.StopAsync().GetAwaiter().GetResult();
            }
        }
    }

    private static async Task<IHost> ConnectAsync(ClusterStoreOptions store)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseItkWasmClusterStore(store));
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return host;
    }

    private static NotSupportedException EmbeddedOnly() =>
        new("an embedded cluster's jobs are reached through the operation SubmitJobAsync returned");

    private async Task<IGrainFactory> GrainsAsync(CancellationToken cancellationToken) =>
        (await orleans!.Value.WaitAsync(cancellationToken).ConfigureAwait(false)).Services.GetRequiredService<IClusterClient>();

    private EmbeddedCluster Cluster => cluster ?? throw new InvalidOperationException("This client was created for mocking.");
}
