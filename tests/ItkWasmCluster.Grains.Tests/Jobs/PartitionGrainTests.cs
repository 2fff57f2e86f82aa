using System.Diagnostics;
using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Wasmtime;
using ItkWasm.Tests;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.GrainStorage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace ItkWasmCluster.Grains.Tests.Jobs;

/// <summary>A partition runs its items on the worker grains, retries a failing one up to the budget, keeps every
/// item's record in durable state across a new cluster, does no work when started again, and stops running wasm.</summary>
public sealed class PartitionGrainTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Items_RunRetryAndAreRecorded_AndAStartAfterARestartDoesNoWork()
    {
        var spec = Spec(retries: 1);
        var items = Prepare(spec, good: 5, bad: 1);
        PartitionSnapshot done;
        await using (var cluster = await StartClusterAsync())
        {
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-a/0");
            await partition.StartAsync(JobSpecParser.ToJson(spec).ToJsonString(), items);
            done = await WaitFinishedAsync(partition);
        }

        Assert.Equal((5, 1), (done.Succeeded, done.Failed));
        var failed = Assert.Single(done.Items, r => r.Status == ItemStatus.Failed);
        Assert.Equal(2, failed.Attempts);
        Assert.Equal("negate: the input must be uint8\n", failed.Stderr);
        Assert.All(done.Items.Where(r => r.Status == ItemStatus.Succeeded), r =>
        {
            Assert.Equal(1, r.Attempts);
            Assert.Matches("^[0-9a-f]{64}$", r.ContentKey);
            Assert.True(File.Exists(Path.Combine(spec.Output.Location, r.Item.Output)));
        });
        var written = Directory.GetFiles(spec.Output.Location).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Equal(5, written.Count);

        await using (var cluster = await StartClusterAsync())
        {
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-a/0");
            Assert.Equal(done.Items, (await partition.GetAsync()).Items);
            await partition.StartAsync(JobSpecParser.ToJson(spec).ToJsonString(), items);
            var again = await WaitFinishedAsync(partition);
            Assert.Equal(done.Items, again.Items);
        }

        Assert.Equal(written, Directory.GetFiles(spec.Output.Location).ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task Stop_EndsRunningWasm_AndLeavesItemsPendingUncounted()
    {
        var spec = Spec(retries: 0) with { Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = ["--spin"] }] };
        var items = Prepare(spec, good: 2, bad: 0);
        await using var cluster = await StartClusterAsync();
        var partition = cluster.Client.GetGrain<IPartitionGrain>("job-b/0");
        await partition.StartAsync(JobSpecParser.ToJson(spec).ToJsonString(), items);
        for (var i = 0; i < 100 && (await partition.GetAsync()).Running < 2; i++)
        {
            await Task.Delay(50);
        }

        var watch = Stopwatch.StartNew();
        await partition.StopAsync();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed}");
        var stopped = await partition.GetAsync();
        Assert.Equal((2, 0), (stopped.Pending, stopped.Running));
        Assert.All(stopped.Items, r => Assert.Equal(0, r.Attempts));
    }

    private static async Task<PartitionSnapshot> WaitFinishedAsync(IPartitionGrain partition)
    {
        for (var i = 0; i < 600; i++)
        {
            var snapshot = await partition.GetAsync();
            if (snapshot.IsFinished)
            {
                return snapshot;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the partition did not finish within 60 s");
    }

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        var (cache, state) = (temp.Combine("module-cache"), temp.Combine("grains"));
        builder.ConfigureSilo((_, silo) => silo
            .AddFileGrainStorage(ClusterStoreOptions.GrainStorageName, o => o.RootDirectory = state)
            .ConfigureServices(services => services.AddSingleton<IWasmRuntime>(
                _ => new WasmRuntime(new WasmRuntimeOptions { ComputeSlots = 2, Wasmtime = new WasmtimeRuntimeOptions { CacheDirectory = cache } }))));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private JobSpec Spec(int retries) => new()
    {
        Name = "partition",
        Input = new DatasetSpec { Location = Directory.CreateDirectory(temp.Combine($"in-{Guid.NewGuid():N}")).FullName },
        Output = new OutputSpec { Location = Directory.CreateDirectory(temp.Combine($"out-{Guid.NewGuid():N}")).FullName },
        Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate") }],
        Retries = retries,
    };

    private static List<PartitionItem> Prepare(JobSpec spec, int good, int bad)
    {
        var items = new List<PartitionItem>();
        for (var i = 0; i < good; i++)
        {
            var name = $"head-{i}.iwi.cbor";
            File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(spec.Input.Location, name));
            items.Add(new PartitionItem(i, name, spec.Output.ResultName(name), "v1"));
        }

        for (var i = 0; i < bad; i++)
        {
            var name = $"floats-{i}.iwi.cbor";
            using var floats = new Image(new ImageType(2, ComponentType.Float32, PixelType.Scalar, 1)) { Size = [4, 4] };
            floats.Data.Dispose();
            floats.Data = DataBuffer.Allocate(16 * sizeof(float));
            ImageFile.Write(floats, Path.Combine(spec.Input.Location, name));
            items.Add(new PartitionItem(good + i, name, spec.Output.ResultName(name), "v1"));
        }

        return items;
    }
}
