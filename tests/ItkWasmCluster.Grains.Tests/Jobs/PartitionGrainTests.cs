using System.Diagnostics;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Jobs;
using Orleans.Storage;

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
        IReadOnlyList<ItemRecord> done;
        await using (var cluster = await StartClusterAsync())
        {
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-a/0");
            await partition.StartAsync(spec, items, run: true);
            done = await WaitFinishedAsync(partition);
        }

        Assert.Equal((5, 1), (done.Count(r => r.Status == ItemStatus.Succeeded), done.Count(r => r.Status == ItemStatus.Failed)));
        var failed = Assert.Single(done, r => r.Status == ItemStatus.Failed);
        Assert.Equal(1, failed.Attempts); // the module's error exit would recur: not retried
        Assert.Equal("negate: the input must be uint8\n", failed.Stderr);
        Assert.All(done.Where(r => r.Status == ItemStatus.Succeeded), r =>
        {
            Assert.Equal(1, r.Attempts);
            Assert.Matches("^[0-9a-f]{64}$", r.ContentKey);
            Assert.True(File.Exists(Path.Combine(spec.Output.Location, r.Output)));
        });
        var written = Directory.GetFiles(spec.Output.Location).ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Equal(5, written.Count);

        await using (var cluster = await StartClusterAsync())
        {
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-a/0");
            Assert.Equal(done, await partition.GetItemsAsync());
            await partition.StartAsync(spec, items, run: true);
            var again = await WaitFinishedAsync(partition);
            Assert.Equal(done, again);
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
        await partition.StartAsync(spec, items, run: true);
        for (var i = 0; i < 100 && (await partition.GetCountsAsync()).Running < 2; i++)
        {
            await Task.Delay(50);
        }

        var watch = Stopwatch.StartNew();
        await partition.StopAsync();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed}");
        var stopped = await partition.GetCountsAsync();
        Assert.Equal((2, 0), (stopped.Pending, stopped.Running));
        Assert.All(await partition.GetItemsAsync(), r => Assert.Equal(0, r.Attempts));
    }

    [Fact]
    public async Task SiloStop_WithAnItemRunning_EndsItsWasmAtOnce_AndStoresItPendingUncounted()
    {
        // A graceful stop of the silo (a rolling update) cancels the running attempt rather than waiting for it, and
        // does not wait on reports to a job grain that is going too.
        var spec = Spec(retries: 1) with { Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = ["--spin"] }] };
        var items = Prepare(spec, good: 1, bad: 0);
        var cluster = await StartClusterAsync();
        var watch = new Stopwatch();
        try
        {
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-e/0");
            await partition.StartAsync(spec, items, run: true);
            await Eventually.UntilAsync(async () => (await partition.GetCountsAsync()).Running == 1, "the item to run");
            await Task.Delay(1000); // the coalesced write that stores it as running
            watch.Start();
        }
        finally
        {
            await cluster.DisposeAsync();
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the silo took {watch.Elapsed} to stop");

        // Stored as pending: the next activation counts no loss (a crash would count one), and runs it again.
        await using (cluster = await StartClusterAsync())
        {
            var stored = await cluster.Client.GetGrain<IPartitionGrain>("job-e/0").GetItemsAsync();
            Assert.Equal((0, 0), (stored[0].Attempts, stored[0].SiloLosses));
        }
    }

    [Fact]
    public async Task WritesWhoseRepliesAreLost_AreRecognizedAsLanded_AndThePartitionFinishes()
    {
        // A store that fails mid-request may apply a write and lose the reply: the retry carries the old ETag and is
        // refused, though no other activation exists. The partition must not take that for a takeover and stop.
        var spec = Spec(retries: 0);
        var items = Prepare(spec, good: 8, bad: 0);
        var lost = 0;
        await using (var cluster = await TestCluster.StartAsync(temp.Combine("grains"), temp.Combine("module-cache"), storage: inner => new LostReplies(inner, () => Interlocked.Increment(ref lost))))
        {
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-c/0");
            await partition.StartAsync(spec, items, run: true);
            Assert.All(await WaitFinishedAsync(partition), r => Assert.Equal(ItemStatus.Succeeded, r.Status));
            await partition.StopAsync();
        }

        Assert.True(lost >= 2, $"only {lost} replies were lost");
        await using (var cluster = await StartClusterAsync())
        {
            var stored = await cluster.Client.GetGrain<IPartitionGrain>("job-c/0").GetItemsAsync();
            Assert.Equal(8, stored.Count);
            Assert.All(stored, r => Assert.Equal(ItemStatus.Succeeded, r.Status));
        }
    }

    [Fact]
    public async Task ItemWhoseSiloCrashes_CountsEachLoss_AndFailsAfterTheBudget_InsteadOfKillingSiloAfterSilo()
    {
        // A crash leaves the partition's state as it was stored mid-attempt: a copy of the state folder taken while the
        // item runs is what the next silo finds. Each such activation counts a loss; past the budget the item fails.
        var spec = Spec(retries: 1) with { Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = ["--spin"] }] };
        var items = Prepare(spec, good: 1, bad: 0);
        var folder = temp.Combine("crash-0");
        for (var crash = 0; crash < 2; crash++)
        {
            var next = temp.Combine($"crash-{crash + 1}");
            await using var cluster = await TestCluster.StartAsync(folder, temp.Combine("module-cache"));
            var partition = cluster.Client.GetGrain<IPartitionGrain>("job-d/0");
            if (crash == 0)
            {
                await partition.StartAsync(spec, items, run: true);
            }

            ItemRecord? record = null;
            await Eventually.UntilAsync(async () => (record = (await partition.GetItemsAsync())[0]).Status == ItemStatus.Running, "the item to run", TimeSpan.FromSeconds(30));
            Assert.Equal(crash, record!.SiloLosses);
            await Task.Delay(1000); // the coalesced write that stores it as running
            CopyFolder(folder, next);
            folder = next;
        }

        await using (var cluster = await TestCluster.StartAsync(folder, temp.Combine("module-cache")))
        {
            var failed = Assert.Single(await WaitFinishedAsync(cluster.Client.GetGrain<IPartitionGrain>("job-d/0")));
            Assert.Equal(ItemStatus.Failed, failed.Status);
            Assert.Equal(2, failed.SiloLosses);
            Assert.Contains("lost with the silo that ran them", failed.Error, StringComparison.Ordinal);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task<IReadOnlyList<ItemRecord>> WaitFinishedAsync(IPartitionGrain partition)
    {
        for (var i = 0; i < 600; i++)
        {
            if ((await partition.GetCountsAsync()).IsFinished)
            {
                return await partition.GetItemsAsync();
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the partition did not finish within 60 s");
    }

    private Task<TestCluster> StartClusterAsync() => TestCluster.StartAsync(temp.Combine("grains"), temp.Combine("module-cache"));

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
            ClusterFixture.WriteImageNegateRefuses(Path.Combine(spec.Input.Location, name));
            items.Add(new PartitionItem(good + i, name, spec.Output.ResultName(name), "v1"));
        }

        return items;
    }

    // Applies every second write of a partition's state and then throws as if the connection dropped before the reply,
    // leaving the grain's ETag as it was.
    private sealed class LostReplies(IGrainStorage inner, Func<int> onLost) : IGrainStorage
    {
        private int writes;

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

        public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var etag = grainState.ETag;
            await inner.WriteStateAsync(stateName, grainId, grainState);
            if (stateName == "partition" && Interlocked.Increment(ref writes) % 2 == 0)
            {
                grainState.ETag = etag;
                onLost();
                throw new IOException("the connection was reset before the reply");
            }
        }
    }
}
