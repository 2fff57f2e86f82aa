using ItkWasmCluster.Storage.GrainStorage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Orleans.TestingHost;

namespace ItkWasmCluster.Storage.Tests.GrainStorage;

/// <summary>The embedded mode's grain storage: state survives a new cluster on the same folder, stale writes are
/// refused, and a damaged file is an error that names it, never an empty state.</summary>
public sealed class FileGrainStorageTests : IDisposable
{
    private readonly TempDirectory root = new();
    private readonly ServiceProvider services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(CounterState).Assembly)).BuildServiceProvider();

    public void Dispose()
    {
        services.Dispose();
        root.Dispose();
    }

    [Fact]
    public async Task GrainState_SurvivesANewClusterOnTheSameFolder_AndClearRemovesIt()
    {
        await using (var cluster = await StartClusterAsync())
        {
            var counter = cluster.Client.GetGrain<ICounterGrain>("scan-001");
            for (var i = 0; i < 3; i++)
            {
                await counter.IncrementAsync("ct");
            }
        }

        await using (var cluster = await StartClusterAsync())
        {
            var counter = cluster.Client.GetGrain<ICounterGrain>("scan-001");
            Assert.Equal(new CounterState { Value = 3, Note = "ct" }, await counter.GetAsync());
            await counter.ClearAsync();
        }

        Assert.Empty(Directory.GetFiles(root.FullName, "*.state", SearchOption.AllDirectories));
        await using (var cluster = await StartClusterAsync())
        {
            Assert.Equal(0, (await cluster.Client.GetGrain<ICounterGrain>("scan-001").GetAsync()).Value);
        }
    }

    [Fact]
    public async Task Write_WithAStaleEtag_IsRefused_AndChangesNothing()
    {
        var storage = Storage();
        var id = GrainId.Create("counter", "a");
        var first = new GrainState<CounterState> { State = new CounterState { Value = 1 } };
        await storage.WriteStateAsync("counter", id, first);
        var stale = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", id, stale);
        first.State = new CounterState { Value = 2 };
        await storage.WriteStateAsync("counter", id, first);
        var before = await File.ReadAllBytesAsync(storage.PathOf("counter", id));

        stale.State = new CounterState { Value = 99 };
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", id, stale));

        Assert.Equal(("2", "1"), (e.StoredEtag, e.CurrentEtag));
        Assert.Equal(before, await File.ReadAllBytesAsync(storage.PathOf("counter", id)));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("counter", id, stale));
        var now = new GrainState<CounterState>();
        await Storage().ReadStateAsync("counter", id, now);
        Assert.Equal((2, "2", true), (now.State!.Value, now.ETag, now.RecordExists));
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    public async Task DamagedFile_FailsTheReadWithItsName(string damage)
    {
        var storage = Storage();
        var id = GrainId.Create("counter", "b");
        await storage.WriteStateAsync("counter", id, new GrainState<CounterState> { State = new CounterState { Value = 5, Note = "some text to damage" } });
        var path = storage.PathOf("counter", id);
        var bytes = await File.ReadAllBytesAsync(path);
        if (damage == "flip")
        {
            bytes[30] ^= 0x40;
        }
        else
        {
            bytes = bytes[..(bytes.Length - 5)];
        }

        await File.WriteAllBytesAsync(path, bytes);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync("counter", id, new GrainState<CounterState>()));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingState_ReadsAsAFreshInstance()
    {
        var state = new GrainState<CounterState> { State = new CounterState { Value = 7 }, ETag = "3" };

        await Storage().ReadStateAsync("counter", GrainId.Create("counter", "none"), state);

        Assert.Equal((0, null, false), (state.State!.Value, state.ETag, state.RecordExists));
    }

    [Fact]
    public void LongGrainIds_GetDistinctHashedFileNames()
    {
        var storage = Storage();
        var a = storage.PathOf("counter", GrainId.Create("counter", new string('a', 300)));
        var b = storage.PathOf("counter", GrainId.Create("counter", new string('a', 299) + "b"));

        Assert.NotEqual(a, b);
        Assert.StartsWith("sha256-", Path.GetFileName(a), StringComparison.Ordinal);
        Assert.True(Path.GetFileName(a).Length < 100);
    }

    private FileGrainStorage Storage() => new(
        new FileGrainStorageOptions { RootDirectory = root.FullName, GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()) },
        services.GetRequiredService<IActivatorProvider>());

    private async Task<InProcessTestCluster> StartClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddFileGrainStorage("files", o => o.RootDirectory = root.FullName));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
