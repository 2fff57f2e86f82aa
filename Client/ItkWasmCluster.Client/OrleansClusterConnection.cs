using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ItkWasmCluster.Client;

/// <summary>A cluster reached as an Orleans client, through the gateways its store lists. The client connects on first
/// use.</summary>
internal sealed class OrleansClusterConnection(ClusterStoreOptions store) : IClusterConnection
{
    private readonly Lazy<Task<IHost>> host = new(() => ConnectAsync(store));

    public async Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        var grains = await GrainsAsync(cancellationToken).ConfigureAwait(false);
        var id = JobIds.For(spec);
        await grains.GetGrain<IJobGrain>(id).SubmitAsync(spec).WaitAsync(cancellationToken).ConfigureAwait(false);
        return new GrainJobOperation(grains, id);
    }

    public async Task<JobOperation> GetJobAsync(string id, CancellationToken cancellationToken) =>
        new GrainJobOperation(await GrainsAsync(cancellationToken).ConfigureAwait(false), id);

    public async Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken)
    {
        var grains = await GrainsAsync(cancellationToken).ConfigureAwait(false);
        var ids = await grains.GetGrain<IJobCatalogGrain>(0).ListAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return (await Task.WhenAll(ids.Select(id => grains.GetGrain<IJobGrain>(id).GetStatusAsync())).ConfigureAwait(false)).OfType<JobStatus>().ToArray();
    }

    public async Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken)
    {
        var grains = await GrainsAsync(cancellationToken).ConfigureAwait(false);
        return await grains.GetGrain<IJobGrain>(id).GetStatusAsync().WaitAsync(cancellationToken).ConfigureAwait(false)
               ?? throw new ItkWasmClusterException(System.Net.HttpStatusCode.NotFound, $"no job {id}", null);
    }

    public void Dispose()
    {
        if (host is { IsValueCreated: true } && host.Value.IsCompletedSuccessfully)
        {
            using var connected = host.Value.Result;
            connected.StopAsync().GetAwaiter().GetResult();
        }
    }

    private static async Task<IHost> ConnectAsync(ClusterStoreOptions store)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseItkWasmClusterStore(store));
        var connected = builder.Build();
        await connected.StartAsync().ConfigureAwait(false);
        return connected;
    }

    private async Task<IGrainFactory> GrainsAsync(CancellationToken cancellationToken) =>
        (await host.Value.WaitAsync(cancellationToken).ConfigureAwait(false)).Services.GetRequiredService<IClusterClient>();
}
