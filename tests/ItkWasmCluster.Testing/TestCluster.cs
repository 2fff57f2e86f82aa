using ItkWasm.Runtime;
using ItkWasm.Runtime.Wasmtime;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.GrainStorage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans.TestingHost;

namespace ItkWasmCluster.Testing;

/// <summary>An in-process Orleans test cluster with ItkWasmCluster's grains: grain state in files under a folder (so
/// a new cluster over the same folder finds it), reminders in memory, and a pipeline runtime of its own per silo.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<WasmRuntime> runtimes = [];

    private TestCluster()
    {
    }

    /// <summary>Gets the cluster.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>Gets a client of the cluster.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <summary>Starts <paramref name="silos"/> silos of <paramref name="slots"/> compute slots each; each silo's grain
    /// storage is passed through <paramref name="storage"/> when given (to inject faults), and its blob stores are
    /// configured by <paramref name="blobs"/> (an account, a confinement) when given, and <paramref name="configure"/>
    /// configures it further (a grain call filter that injects a fault).</summary>
    public static async Task<TestCluster> StartAsync(string stateFolder, string moduleCache, int silos = 1, int slots = 2, Func<IGrainStorage, IGrainStorage>? storage = null, BlobStorageOptions? blobs = null, Action<ISiloBuilder>? configure = null)
    {
        var test = new TestCluster();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            var runtime = new WasmRuntime(new WasmRuntimeOptions { ComputeSlots = slots, Wasmtime = new WasmtimeRuntimeOptions { CacheDirectory = moduleCache } });
            lock (test.runtimes)
            {
                test.runtimes.Add(runtime);
            }

            silo.AddFileGrainStorage(ClusterStoreOptions.GrainStorageName, o => o.RootDirectory = stateFolder)
                .UseInMemoryReminderService()
                .AddPipelineOverrides<ItkWasm.Downsample.Accelerated.DownsampleOverridePackage>()
                .ConfigureServices(services => services.AddSingleton<IWasmRuntime>(runtime))
                .AddItkWasmCluster(o => (o.ComputeSlots, o.Storage) = (slots, blobs ?? new BlobStorageOptions()));
            if (storage is not null)
            {
                // The last keyed registration is the one Orleans resolves.
                silo.ConfigureServices(services => services.AddKeyedSingleton(ClusterStoreOptions.GrainStorageName, (sp, key) => storage(new FileGrainStorage(
                    sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(ClusterStoreOptions.GrainStorageName), sp.GetRequiredService<IActivatorProvider>()))));
            }

            configure?.Invoke(silo);
        });
        test.Cluster = builder.Build();
        await test.Cluster.DeployAsync();
        return test;
    }

    /// <summary>Stops the silos, then their runtimes.</summary>
    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        foreach (var runtime in runtimes)
        {
            runtime.Dispose();
        }
    }
}
