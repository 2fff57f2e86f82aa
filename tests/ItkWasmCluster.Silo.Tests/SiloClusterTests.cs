using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using ItkWasmCluster.Client;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;
using Xunit.Abstractions;

namespace ItkWasmCluster.Silo.Tests;

/// <summary>Silos as real processes on a real cluster store (Azurite or Redis, started by the tests): killed, paused
/// past their detection, all killed and restarted, and the store stopped under them, with every output present exactly
/// once and identical to an undisturbed run's.</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Processes")]
public sealed class SiloClusterTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly List<SiloProcess> silos = [];
    private readonly string clusterId = $"test-{Guid.NewGuid():N}";
    private StoreServer? store;

    public void Dispose()
    {
        foreach (var silo in silos)
        {
            silo.Dispose();
        }

        store?.Dispose();
        temp.Dispose();
    }

    [Theory]
    [InlineData("azure", 300)]
    [InlineData("redis", 90)]
    public async Task ThreeSilos_OneKilledMidJob_EveryOutputExactlyOnce_AndItsItemsRunAgainElsewhereSoon(string kind, int count)
    {
        var (spec, expected) = await PrepareAsync(count, sleepMs: 100);
        await StartStoreAndSilosAsync(kind, 3);
        using var client = Remote(silos[0]);
        var job = await client.SubmitJobAsync(spec);
        var running = new ConcurrentDictionary<int, string>(); // item → silo of its latest attempt start
        var restarted = new ConcurrentDictionary<int, TimeSpan>();
        var killed = new Stopwatch();
        SiloProcess? victim = null;
        var watching = Task.Run(async () =>
        {
            await foreach (var p in job.WatchAsync())
            {
                if (p.Event is { Status: ItemStatus.Running } e)
                {
                    if (victim is not null && killed.IsRunning && running.TryGetValue(e.Index, out var before) && before == victim.Address && e.Silo != victim.Address)
                    {
                        restarted.TryAdd(e.Index, killed.Elapsed);
                    }

                    running[e.Index] = e.Silo!;
                }
                else if (p.Event is { } ended && victim is null)
                {
                    running.TryRemove(ended.Index, out _);
                }

                if (victim is null && p.Counts.Succeeded >= count * 6 / 10
                    && silos.Skip(1).FirstOrDefault(s => running.Values.Contains(s.Address)) is { } chosen)
                {
                    // Kill a silo the client does not talk to, while it runs items (at a later event if, at this one,
                    // neither runs any).
                    victim = chosen;
                    victim.Signal("KILL");
                    killed.Start();
                    log.WriteLine($"killed {victim.Address} at {p.Counts}, running {running.Count(r => r.Value == victim.Address)} items");
                }
            }
        });

        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(4));
        await watching.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotNull(victim);
        var held = running.Where(r => r.Value == victim!.Address).Select(r => r.Key).ToHashSet();
        log.WriteLine($"{kind}: {restarted.Count} items of the killed silo ran again, the last {restarted.Values.DefaultIfEmpty().Max().TotalSeconds:F1} s after SIGKILL");
        Assert.Equal(JobState.Succeeded, summary.State);
        Assert.NotEmpty(restarted);
        Assert.All(restarted.Values, t => Assert.True(t < TimeSpan.FromSeconds(15), $"an item of the killed silo ran again only {t} after the kill"));
        var items = await AssertExactlyOnceAsync(job.Id, spec, expected);
        foreach (var silo in silos)
        {
            var share = items.Count(i => i.Silo == silo.Address) / (double)count;
            log.WriteLine($"{silo.Address}{(silo == victim ? " (killed)" : string.Empty)} ran {share:P0} of the items");
            Assert.True(share >= 0.15, $"{silo.Address} ran only {share:P0} of the items");
        }
    }

    [Fact]
    public async Task EverySiloKilledMidJob_ThenStartedAgain_TheJobResumesByItself()
    {
        var (spec, expected) = await PrepareAsync(items: 40, sleepMs: 300);
        await StartStoreAndSilosAsync("azure", 2);
        string id;
        using (var client = Remote(silos[0]))
        {
            var job = await client.SubmitJobAsync(spec);
            id = job.Id;
            await Eventually.UntilAsync(async () => (await client.GetStatusAsync(id)).Counts.Succeeded >= 8, "8 items done");
        }

        foreach (var silo in silos)
        {
            silo.Signal("KILL");
        }

        silos.Clear();
        await StartSilosAsync(2);
        var resumed = Stopwatch.StartNew();

        // Nobody submits the job again, nor asks about it: its reminder wakes it on the new silos, and it ends.
        var report = Path.Combine(spec.Output.Location, "job.json");
        await Eventually.UntilAsync(() => Task.FromResult(File.Exists(report) && File.ReadAllText(report).Contains("\"succeeded\"", StringComparison.Ordinal)), "the job to end", TimeSpan.FromMinutes(4));
        log.WriteLine($"the job ended {resumed.Elapsed.TotalSeconds:F0} s after the new silos started");
        using var again = Remote(silos[0]);
        Assert.Equal(JobState.Succeeded, (await again.GetStatusAsync(id)).State);
        await AssertExactlyOnceAsync(id, spec, expected);
    }

    [Fact]
    public async Task SiloPausedPastDetection_ThenResumed_RewritesNothing_AndLeavesTheCluster()
    {
        var (spec, expected) = await PrepareAsync(items: 16, sleepMs: 1500);
        await StartStoreAndSilosAsync("azure", 2);
        var (paused, other) = (silos[1], silos[0]);
        using var client = Remote(other);
        var job = await client.SubmitJobAsync(spec);
        await foreach (var p in job.WatchAsync())
        {
            if (p.Event is { Status: ItemStatus.Running } e && e.Silo == paused.Address)
            {
                break;
            }
        }

        paused.Signal("STOP");
        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(JobState.Succeeded, summary.State);
        var before = Snapshot(spec.Output.Location);

        // Resumed, the paused silo finds itself declared dead and stops; its pipelines' late results are not written
        // over the ones made meanwhile.
        paused.Signal("CONT");
        await Eventually.UntilAsync(() => Task.FromResult(paused.HasExited), "the resumed silo to leave", TimeSpan.FromSeconds(60));
        Assert.Equal(before, Snapshot(spec.Output.Location));
        await AssertExactlyOnceAsync(job.Id, spec, expected);
    }

    [Fact]
    public async Task AzuriteStoppedFor5sMidJob_TheJobCompletes()
    {
        var (spec, expected) = await PrepareAsync(items: 60, sleepMs: 200);
        await StartStoreAndSilosAsync("azure", 2);
        using var client = Remote(silos[0]);
        var job = await client.SubmitJobAsync(spec);
        await Eventually.UntilAsync(async () => (await client.GetStatusAsync(job.Id)).Counts.Succeeded >= 10, "10 items done");
        store!.Stop(graceful: true);
        await Task.Delay(TimeSpan.FromSeconds(5));
        store.Start();

        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(JobState.Succeeded, summary.State);
        await AssertExactlyOnceAsync(job.Id, spec, expected);
        Assert.All(silos, s => Assert.False(s.HasExited, s.Output));
    }

    [Fact]
    public async Task Sdk_ThroughAnOrleansClient_SubmitsWatchesAndLists()
    {
        var (spec, expected) = await PrepareAsync(items: 6, sleepMs: 0);
        await StartStoreAndSilosAsync("redis", 1);
        using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions
        {
            ClusterStore = new ClusterStoreOptions { RedisConfiguration = store!.Connection, ClusterId = clusterId },
        });

        var job = await client.SubmitJobAsync(spec);
        var events = new List<JobProgress>();
        await foreach (var p in job.WatchAsync())
        {
            events.Add(p);
        }

        var summary = await job.WaitForCompletionAsync();
        Assert.Equal(JobState.Succeeded, summary.State);
        // The watch starts after the submission: it sees a snapshot, then the items that end after it.
        Assert.Null(events[0].Event);
        Assert.True(events[0].Counts.Succeeded + events.Count(e => e.Event?.Status == ItemStatus.Succeeded) == 6, string.Join("\n", events));
        Assert.Equal(6, events[^1].Counts.Succeeded);
        Assert.All(summary.Items, i => Assert.Equal(silos[0].Address, i.Silo));
        Assert.Equal(job.Id, Assert.Single(await client.ListJobsAsync()).Id);
        await AssertExactlyOnceAsync(job.Id, spec, expected);
    }

    [Fact]
    public async Task ThreeSilos_OneKilledWhileItRunsChunks_TheChunkedItemCompletes_EqualToTheUnchunkedOne()
    {
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        using (var volume = new ItkWasm.Image(new ItkWasm.ImageType(3, ItkWasm.ComponentType.UInt8)) { Size = [256, 192, 96] })
        {
            volume.Data.Dispose();
            volume.Data = ItkWasm.DataBuffer.Allocate(volume.ByteLength);
            new Random(96).NextBytes(volume.Data.AsSpan());
            ItkWasm.IO.ImageFile.Write(volume, Path.Combine(input, "volume.iwi.cbor"));
        }

        var whole = ClusterFixture.Downsample(input, temp.Combine("reference")) with { Chunking = ChunkingSpec.Off, Retries = 1 };
        Assert.Equal(JobState.Succeeded, (await ClusterFixture.RunAsync(whole)).State);
        var spec = whole with { Output = new OutputSpec { Location = temp.Combine("out") }, Chunking = new ChunkingSpec { Size = [256, 192, 4] } };
        await StartStoreAndSilosAsync("redis", 3);
        using var client = Remote(silos[0]);
        var job = await client.SubmitJobAsync(spec);
        var ran = new ConcurrentDictionary<string, int>(); // silo → chunks it finished
        SiloProcess? victim = null;
        var done = 0;
        await foreach (var p in job.WatchAsync())
        {
            if (p.Event is { Status: ItemStatus.Running, ChunksTotal: > 0, Silo: { } silo } e && e.ChunksDone > done)
            {
                done = e.ChunksDone;
                ran.AddOrUpdate(silo, 1, (_, n) => n + 1);
                if (victim is null && done >= 6 && silos.Skip(1).FirstOrDefault(s => s.Address == silo) is { } chosen)
                {
                    // A silo the client does not talk to, that has just run a chunk and is running others.
                    victim = chosen;
                    victim.Signal("KILL");
                    log.WriteLine($"killed {victim.Address} after {done} of {e.ChunksTotal} chunks");
                }
            }
        }

        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(4));
        var item = Assert.Single(summary.Items);
        log.WriteLine($"chunks per silo: {string.Join(", ", ran.Select(r => $"{r.Key} {r.Value}"))}");
        Assert.True(item.Status == ItemStatus.Succeeded, item.Error);
        Assert.NotNull(victim);
        Assert.Equal(24, item.ChunksTotal);
        Assert.Equal(3, ran.Count); // every silo ran chunks, the killed one before it died
        Assert.Equal(Hash(Path.Combine(temp.Combine("reference"), item.Output)), Hash(Path.Combine(temp.Combine("out"), item.Output)));
        Assert.Empty(Directory.GetFiles(temp.Combine("out"), "*.tmp", SearchOption.AllDirectories));
    }

    private static ItkWasmClusterClient Remote(SiloProcess silo) =>
        new(new ItkWasmClusterClientOptions { Endpoint = new Uri(silo.Url), Token = SiloProcess.Token });

    /// <summary>The path and last-write time of every file under <paramref name="root"/>: a rewrite changes it.</summary>
    private static string[] Snapshot(string root) => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => $"{Path.GetRelativePath(root, f)} {File.GetLastWriteTimeUtc(f).Ticks}").Order(StringComparer.Ordinal).ToArray();

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private async Task StartStoreAndSilosAsync(string kind, int count)
    {
        store = kind == "redis" ? StoreServer.Redis() : StoreServer.Azurite();
        await StartSilosAsync(count);
    }

    private async Task StartSilosAsync(int count)
    {
        var starting = Enumerable.Range(0, count).Select(_ => SiloProcess.StartAsync(store!, clusterId, concurrency: 2)).ToArray();
        silos.AddRange(await Task.WhenAll(starting));
    }

    /// <summary>Writes distinct uint8 images, and the outputs an undisturbed embedded run makes of them.</summary>
    private async Task<(JobSpec Spec, Dictionary<string, string> Expected)> PrepareAsync(int items, int sleepMs)
    {
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        Eventually.WriteRandomImages(input, items, 32, digits: 3);

        JobSpec Spec(string output, params string[] args) => new()
        {
            Name = "silos",
            Input = new DatasetSpec { Location = input },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = args }],
            Output = new OutputSpec { Location = output },
            Retries = 1,
        };

        var reference = await ClusterFixture.RunAsync(Spec(temp.Combine("reference")));
        Assert.True(reference.State == JobState.Succeeded, string.Join("\n", reference.Items.Select(t => t.Error + t.Stderr)));
        var expected = Directory.GetFiles(temp.Combine("reference"), "*.iwi.cbor").ToDictionary(f => Path.GetFileName(f), Hash, StringComparer.Ordinal);
        Assert.Equal(items, expected.Count);
        return (Spec(temp.Combine("out"), sleepMs > 0 ? ["--sleep-ms", sleepMs.ToString(System.Globalization.CultureInfo.InvariantCulture)] : []), expected);
    }

    /// <summary>Every input has exactly one item, succeeded, and exactly one output, identical to the reference; nothing
    /// else sits in the output location.</summary>
    private async Task<IReadOnlyList<ItemRecord>> AssertExactlyOnceAsync(string jobId, JobSpec spec, Dictionary<string, string> expected)
    {
        using var client = Remote(silos.First(s => !s.HasExited));
        var items = await (await client.GetJobAsync(jobId)).GetResultsAsync();
        Assert.Equal(expected.Count, items.Count);
        Assert.Equal(expected.Count, items.Select(t => t.Input).Distinct().Count());
        Assert.All(items, t => Assert.Equal(ItemStatus.Succeeded, t.Status));
        var outputs = ClusterFixture.VisibleFiles(spec.Output.Location).Where(f => f != "job.json").ToArray();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), outputs);
        Assert.All(outputs, f => Assert.Equal(expected[f], Hash(Path.Combine(spec.Output.Location, f))));
        Assert.Empty(Directory.GetFiles(spec.Output.Location, "*.tmp*", SearchOption.AllDirectories));
        return items;
    }
}
