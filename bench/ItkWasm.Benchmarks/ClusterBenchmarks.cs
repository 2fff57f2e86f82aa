using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasmCluster.Client;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The Orleans cluster: 2 silo processes against the embedded cluster with the same total slots; the scheduling
/// overhead of 100,000 tiny items against a <c>Parallel.ForEachAsync</c> over the same runs; and the time from a
/// <c>kill -9</c> of a silo to its items running again elsewhere, with the tuned failure detection and Orleans' default
/// probe settings. The silos run on a private <c>redis-server</c> started here.
/// </summary>
public static class ClusterBenchmarks
{
    private const int TinyItems = 100_000;
    private const int TinyRepeats = 2;
    private const int Kills = 5;

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-cluster-bench").FullName;
        try
        {
            var jobs = await SilosAsync(root, work).ConfigureAwait(false);
            Console.WriteLine($"silos {jobs}");
            var tiny = await TinyItemsAsync(work).ConfigureAwait(false);
            Console.WriteLine($"tiny {tiny}");
            var tuned = await KillToRerunAsync(work, []).ConfigureAwait(false);
            Console.WriteLine($"kill, tuned {string.Join(", ", tuned)}");
            var defaults = await KillToRerunAsync(work, ["--probe-timeout", "5", "--missed-probes", "3"]).ConfigureAwait(false);
            Write(markdownPath, jobs, tiny, tuned, defaults);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The 200-image downsample job of <see cref="JobBenchmarks"/> on 2 silos of concurrency 1 and on the
    /// embedded cluster of concurrency 2, alternating; returns the median times in milliseconds.</summary>
    private static async Task<(double Silos, double Embedded)> SilosAsync(string root, string work)
    {
        var nodeModules = Path.Combine(root, "node_modules");
        var input = Directory.CreateDirectory(Path.Combine(work, "in")).FullName;
        await JobBenchmarks.PrepareAsync(Path.Combine(root, "..", "shared", "data"), input, nodeModules).ConfigureAwait(false);
        using var store = StoreServer.Redis();
        var clusterId = $"bench-{Guid.NewGuid():N}";
        using var a = await SiloProcess.StartAsync(store, clusterId, concurrency: 1).ConfigureAwait(false);
        using var b = await SiloProcess.StartAsync(store, clusterId, concurrency: 1).ConfigureAwait(false);
        using var remote = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(a.Url), Token = SiloProcess.Token });
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2, Runtime = new WasmRuntimeOptions { Node = new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules } } });

        // Silos are long-running services; a fresh process runs its first jobs on unoptimized JIT code, so both sides
        // first run two whole jobs.
        for (var w = 0; w < 2; w++)
        {
            await RemoteJobAsync(remote, Spec(input, Path.Combine(work, $"warm-silos-{w}"))).ConfigureAwait(false);
            await JobBenchmarks.RunJobAsync(cluster, Spec(input, Path.Combine(work, $"warm-embedded-{w}"))).ConfigureAwait(false);
        }

        var (silos, embedded) = (new List<double>(), new List<double>());
        for (var r = 0; r < 5; r++)
        {
            silos.Add(await RemoteJobAsync(remote, Spec(input, Path.Combine(work, $"silos-{r}"))).ConfigureAwait(false));
            embedded.Add((await JobBenchmarks.RunJobAsync(cluster, Spec(input, Path.Combine(work, $"embedded-{r}"))).ConfigureAwait(false)).Total);
        }

        return (JobBenchmarks.Median(silos), JobBenchmarks.Median(embedded));
    }

    /// <summary>100,000 4×4 images through the tiny negate WASI module: the embedded job, and the same runs in a
    /// <c>Parallel.ForEachAsync</c> (read, run, write), both at the processor count. After a warm-up of each side on
    /// the first 1,000 items, the whole job and the whole loop alternate, <see cref="TinyRepeats"/> times each; returns
    /// the mean times in milliseconds and the benchmark process's peak resident set in MiB after the first whole job.</summary>
    private static async Task<(double Job, double Loop, long PeakMiB)> TinyItemsAsync(string work)
    {
        var input = Directory.CreateDirectory(Path.Combine(work, "tiny")).FullName;
        using (var image = Blank(4))
        {
            var template = Path.Combine(work, "tiny.iwi.cbor");
            ImageFile.Write(image, template);
            for (var i = 0; i < TinyItems; i++)
            {
                var folder = Path.Combine(input, (i / 1000).ToString("D3", CultureInfo.InvariantCulture));
                Directory.CreateDirectory(folder);
                File.Copy(template, Path.Combine(folder, $"{i:D6}.iwi.cbor"));
            }
        }

        var module = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm");
        var concurrency = Environment.ProcessorCount;
        var files = Directory.GetFiles(input, "*.iwi.cbor", SearchOption.AllDirectories);
        var (job, loop, peak) = (new List<double>(), new List<double>(), 0L);
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = concurrency });
        using var runtime = new WasmRuntime(new WasmRuntimeOptions { ComputeSlots = concurrency });
        var pipeline = new Pipeline(PipelineReference.Parse(module), runtime);
        for (var r = -1; r < TinyRepeats; r++)
        {
            var (jobTime, _) = await JobBenchmarks.RunJobAsync(cluster, new JobSpec
            {
                Name = "tiny",
                Input = new DatasetSpec { Location = input, Include = r < 0 ? ["000/*"] : ["**/*"] },
                Stages = [new StageSpec { Pipeline = module }],
                Output = new OutputSpec { Location = Path.Combine(work, $"tiny-job{r}") },
            }).ConfigureAwait(false);
            peak = r == 0 ? ProcessMemory.PeakMiB() : peak;
            var output = Directory.CreateDirectory(Path.Combine(work, $"tiny-loop{r}")).FullName;
            var watch = Stopwatch.StartNew();
            await Parallel.ForEachAsync(r < 0 ? files.Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "000") : files, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (file, ct) =>
            {
                using var image = ImageFile.Read(file);
                using var result = await pipeline.RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)], null, ct).ConfigureAwait(false);
                ImageFile.Write(result.Output<Image>(0), Path.Combine(output, Path.GetFileName(file)));
            }).ConfigureAwait(false);
            if (r >= 0)
            {
                (job, loop) = ([.. job, jobTime], [.. loop, watch.Elapsed.TotalMilliseconds]);
            }
        }

        return (job.Average(), loop.Average(), peak);
    }

    /// <summary>3 silos of 2 slots run 120 items of 500 ms; once a third are done, a silo running items is killed, and
    /// the time until the last of its items starts again on another silo is taken; <see cref="Kills"/> times, each on
    /// a fresh cluster. Returns the times in seconds.</summary>
    private static async Task<List<double>> KillToRerunAsync(string work, string[] siloOptions)
    {
        var input = Directory.CreateDirectory(Path.Combine(work, "kill-in")).FullName;
        for (var i = 0; i < 120; i++)
        {
            using var image = Blank(8);
            ImageFile.Write(image, Path.Combine(input, $"{i:D3}.iwi.cbor"));
        }

        var times = new List<double>();
        for (int k = 0, tries = 0; k < Kills; k++)
        {
            if (++tries > 3 * Kills)
            {
                throw new InvalidOperationException($"only {times.Count} of {tries - 1} kills measured a rerun");
            }

            using var store = StoreServer.Redis();
            var clusterId = $"kill-{Guid.NewGuid():N}";
            var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(store, clusterId, 2, siloOptions))).ConfigureAwait(false);
            try
            {
                using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(silos[0].Url), Token = SiloProcess.Token });
                var job = await client.SubmitJobAsync(new JobSpec
                {
                    Name = "kill",
                    Input = new DatasetSpec { Location = input },
                    Stages = [new StageSpec { Pipeline = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm"), Args = ["--sleep-ms", "500"] }],
                    Output = new OutputSpec { Location = Path.Combine(work, $"kill-out-{siloOptions.Length}-{k}") },
                }).ConfigureAwait(false);
                var running = new ConcurrentDictionary<int, string>();
                var rerun = new ConcurrentDictionary<int, double>();
                HashSet<int>? held = null;
                var killed = new Stopwatch();
                SiloProcess? victim = null;
                await foreach (var p in job.WatchAsync().ConfigureAwait(false))
                {
                    if (p.Event is { Status: ItemStatus.Running } e)
                    {
                        if (held?.Contains(e.Index) == true && e.Silo != victim!.Address)
                        {
                            rerun.TryAdd(e.Index, killed.Elapsed.TotalSeconds);
                        }

                        running[e.Index] = e.Silo!;
                    }
                    else if (p.Event is { } ended && victim is null)
                    {
                        running.TryRemove(ended.Index, out _);
                    }

                    if (victim is null && p.Counts.Succeeded >= 40)
                    {
                        victim = silos.Skip(1).First(s => running.Values.Contains(s.Address));
                        held = running.Where(r => r.Value == victim.Address).Select(r => r.Key).ToHashSet();
                        victim.Signal("KILL");
                        killed.Start();
                    }

                    if (held is not null && held.All(rerun.ContainsKey))
                    {
                        break;
                    }
                }

                if (held is null || !held.All(rerun.ContainsKey))
                {
                    // The killed silo held the job grain and its partitions (they live together): the events of the
                    // reruns went with it, so this kill measures nothing; another cluster is tried.
                    Console.WriteLine($"kill {k}: the job's own silo was killed; its rerun events were lost, trying again");
                    k--;
                    continue;
                }

                times.Add(rerun.Values.Max());
            }
            finally
            {
                foreach (var silo in silos)
                {
                    silo.Dispose();
                }
            }
        }

        return times;
    }

    /// <summary>Writes <paramref name="count"/> copies of a blank 4×4 uint8 image into <paramref name="folder"/>,
    /// named 00000.iwi.cbor and on: the tiny items of the benchmarks that show per-item costs.</summary>
    internal static void WriteTinyImages(string folder, int count)
    {
        var template = Path.Combine(folder, "..", $"tiny-{Guid.NewGuid():N}.iwi.cbor");
        using (var image = Blank(4))
        {
            ImageFile.Write(image, template);
        }

        for (var i = 0; i < count; i++)
        {
            File.Copy(template, Path.Combine(folder, $"{i:D5}.iwi.cbor"));
        }

        File.Delete(template);
    }

    /// <summary>A zeroed 2D uint8 image of <paramref name="size"/>².</summary>
    private static Image Blank(long size)
    {
        var image = new Image(new ImageType()) { Size = [size, size], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        return image;
    }

    private static JobSpec Spec(string input, string output) => new()
    {
        Name = "bench",
        Input = new DatasetSpec { Location = input },
        // The module, as the peer runs it (auto would choose the SIMD override).
        Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample", Args = ["--shrink-factors", "2", "2"], Accelerator = StageAccelerator.Wasm }],
        Output = new OutputSpec { Location = output },
    };

    /// <summary>Submits, waits, and returns the time from submission to the job's end as the silo recorded it (the same
    /// machine's clock), so that how often the status is polled does not blur the end.</summary>
    /// <summary>Submits <paramref name="spec"/> and waits for it; returns the time from submission to its end (the
    /// silo's clock) in milliseconds.</summary>
    internal static async Task<double> RemoteJobAsync(ItkWasmClusterClient client, JobSpec spec)
    {
        var submitted = DateTimeOffset.UtcNow;
        var job = await client.SubmitJobAsync(spec).ConfigureAwait(false);
        JobStatus status;
        while ((status = await client.GetStatusAsync(job.Id).ConfigureAwait(false)).State == JobState.Running)
        {
            await Task.Delay(200).ConfigureAwait(false);
        }

        return status.State == JobState.Succeeded ? (status.Finished!.Value - submitted).TotalMilliseconds : throw new InvalidOperationException($"the benchmark job ended {status.State}");
    }

    private static void Write(string markdownPath, (double Silos, double Embedded) jobs, (double Job, double Loop, long PeakMiB) tiny, List<double> tuned, List<double> defaults)
    {
        var n = JobBenchmarks.Count;
        var perItem = (tiny.Job - tiny.Loop) / TinyItems;
        string Times(List<double> t) => string.Join(", ", t.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)));
        var section = new StringBuilder()
            .AppendLine("## The Orleans cluster: 2 silos against the embedded cluster, 100,000 tiny items, kill to re-run")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run cluster` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, Orleans 10.4.2, silos on a private `redis-server` (Debian's) on 127.0.0.1. Silos: the {n}-image downsample job of the section above, submitted over HTTP to 2 silo processes of concurrency 1 each, against the embedded cluster of concurrency 2 in this process; medians of 5 runs of each, alternating, after two whole warm-up jobs on each side. Tiny items: {TinyItems:N0} 4×4 uint8 images through the project's `negate` WASI module at concurrency {Environment.ProcessorCount}: the embedded job (silo start, listing, partitions, worker grains, grain state, content keys, atomic commits, `job.json`) against a `Parallel.ForEachAsync` that reads, runs and writes the same images with the same runtime; after a warm-up of each on 1,000 items, {TinyRepeats} whole runs of each, alternating, and their means. Kill to re-run: 3 silos of 2 slots run 120 items of 500 ms; after 40 are done a silo running items gets `kill -9`; the time is from the kill to the moment the last of its items starts on another silo, as the job's event stream reports it; {Kills} kills, each on a fresh cluster, with this project's detection (probe timeout 1 s, 2 missed probes) and with Orleans' default probe settings (5 s, 3 missed)."))
            .AppendLine()
            .AppendLine("| measurement | value | target |")
            .AppendLine("| --- | ---: | --- |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| 2 silos (1 + 1), {n} images | {jobs.Silos:F0} ms ({n / jobs.Silos * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| embedded cluster (2), {n} images | {jobs.Embedded:F0} ms ({n / jobs.Embedded * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| 2 silos ÷ embedded throughput | {jobs.Embedded / jobs.Silos:F2}× | ≥ 1.0× |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {TinyItems:N0} tiny items, embedded job | {tiny.Job / 1000:F1} s, peak resident set {tiny.PeakMiB} MiB | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {TinyItems:N0} tiny items, `Parallel.ForEachAsync` (peer) | {tiny.Loop / 1000:F1} s | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| scheduling overhead per item, (job − loop) ÷ items | {perItem:F3} ms | ≤ 0.12 ms |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| kill to re-run, tuned detection: median (all) | {JobBenchmarks.Median([.. tuned]):F1} s ({Times(tuned)}) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| kill to re-run, Orleans' default probes: median (all) | {JobBenchmarks.Median([.. defaults]):F1} s ({Times(defaults)}) | |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "cluster", section);
    }
}
