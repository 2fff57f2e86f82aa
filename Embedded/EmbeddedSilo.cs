using System.Net;
using System.Net.Sockets;
using ItkWasm.Downsample.Accelerated;
using ItkWasm.Runtime;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.GrainStorage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Embedded;

/// <summary>
/// The embedded mode's in-process Orleans silo: localhost clustering on free ports with a cluster id of its own (two
/// embedded runs on one machine never join each other), grain state in files under a state folder
/// (<see cref="FileGrainStorage"/>), reminders in memory (a new run resubmits its job, which resumes it).
/// </summary>
internal sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly IHost host;

    private EmbeddedSilo(IHost host) => this.host = host;

    /// <summary>Gets the silo's grain factory.</summary>
    public IGrainFactory Grains => host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>Starts a silo whose grains keep their state under <paramref name="stateFolder"/> and run items on
    /// <paramref name="runtime"/> with <paramref name="runners"/> and <paramref name="stores"/> (all shared with the cluster's other jobs, and
    /// owned by the caller).</summary>
    public static async Task<EmbeddedSilo> StartAsync(string stateFolder, IWasmRuntime runtime, ItemRunners runners, BlobStores stores, int slots, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        if (Environment.GetEnvironmentVariable("ITKWASM_CLUSTER_DEBUG") == "1")
        {
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Information); // the silo's own log, for diagnosis
        }

        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(FreePort(), FreePort(), serviceId: "itkwasm-embedded", clusterId: $"embedded-{Guid.NewGuid():N}")
            .AddFileGrainStorage(ClusterStoreOptions.GrainStorageName, o => o.RootDirectory = Path.Combine(stateFolder, "grains"))
            .UseInMemoryReminderService()
            .ConfigureServices(services => services.AddSingleton(runners).AddSingleton(runtime).AddSingleton(stores))
            .AddPipelineOverrides<DownsampleOverridePackage>()
            .AddItkWasmCluster(o => o.ComputeSlots = slots));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new EmbeddedSilo(host);
    }

    /// <summary>Stops the silo.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            host.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
