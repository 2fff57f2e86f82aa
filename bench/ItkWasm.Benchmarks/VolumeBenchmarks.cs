using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasm.Chunks;
using ItkWasmCluster.Client;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;

namespace ItkWasm.Benchmarks;

/// <summary>
/// Volumes larger than a wasm module runs whole, by chunks (issue 23). A 512³ float32 volume downsampled 2×2×2 by a job
/// on the embedded cluster (2 slots) by chunks (<c>chunking: auto</c>: 8 slabs of 64 MiB) against the same job run whole
/// (<c>chunking: off</c>), on the SIMD override and on the WebAssembly module; 3 silo processes of 1 slot each on one
/// 2 GiB volume, each silo's share of the chunks; and (<c>bench/run volumes-16g</c> only, for it writes 16 GiB) a
/// 2048×2048×4096 uint8 volume by the embedded <c>run</c> command, its wall time, voxels/s and the peak resident set
/// of the command and its Node workers together.
/// </summary>
public static class VolumeBenchmarks
{
    private const int Repeats = 3;

    public static async Task RunAsync(string markdownPath, bool huge)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-volume-bench").FullName;
        try
        {
            var rows = new List<string>();
            var input = Directory.CreateDirectory(Path.Combine(work, "f32")).FullName;
            WriteRandom(Path.Combine(input, "volume.iwi.cbor"), ComponentType.Float32, [512, 512, 512]);
            foreach (var accelerator in new[] { StageAccelerator.Auto, StageAccelerator.Wasm })
            {
                var (whole, chunked, chunks) = await ChunkedAgainstWholeAsync(input, Path.Combine(work, accelerator.ToString()), accelerator).ConfigureAwait(false);
                Console.WriteLine($"512³ float32 {accelerator}: whole {whole:F2} s, {chunks} chunks {chunked:F2} s");
                rows.Add(string.Create(CultureInfo.InvariantCulture, $"| 512³ float32, `accelerator: {accelerator.ToString().ToLowerInvariant()}`: by {chunks} chunks against whole (`chunking: off`) | {chunked:F2} s | whole: {whole:F2} s | {whole / chunked:F2}× | ≥ 0.8× |"));
            }

            File.Delete(Path.Combine(input, "volume.iwi.cbor"));
            var spread = Directory.CreateDirectory(Path.Combine(work, "spread")).FullName;
            WriteRandom(Path.Combine(spread, "volume.iwi.cbor"), ComponentType.UInt8, [2048, 1024, 1024]);
            var (shares, seconds) = await SpreadAsync(spread, Path.Combine(work, "spread-out")).ConfigureAwait(false);
            Console.WriteLine($"spread {string.Join('/', shares)} in {seconds:F1} s");
            var total = shares.Sum();
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| 2 GiB uint8 (2048×1024×1024) on 3 silos × 1 slot: chunks per silo | {string.Join(" / ", shares)} ({string.Join("% / ", shares.Select(s => (100.0 * s / total).ToString("F0", CultureInfo.InvariantCulture)))}%), {seconds:F1} s | — | — | each ≥ 25% |"));
            File.Delete(Path.Combine(spread, "volume.iwi.cbor"));

            if (huge)
            {
                var big = Directory.CreateDirectory(Path.Combine(work, "16g")).FullName;
                WriteRandom(Path.Combine(big, "volume.iwi.cbor"), ComponentType.UInt8, [2048, 2048, 4096]);
                foreach (var accelerator in new[] { "auto", "wasm" })
                {
                    var (wall, peakMiB) = await RunCommandAsync(big, Path.Combine(work, $"16g-{accelerator}"), accelerator).ConfigureAwait(false);
                    var voxels = 2048.0 * 2048 * 4096;
                    Console.WriteLine($"16 GiB {accelerator}: {wall:F0} s, {voxels / wall / 1e6:F2} Mvoxel/s, peak {peakMiB} MiB");
                    rows.Add(string.Create(CultureInfo.InvariantCulture, $"| 16 GiB uint8 (2048×2048×4096) by `itkwasm-cluster run`, `accelerator: {accelerator}` | {wall:F0} s, {voxels / wall / 1e6:F2} Mvoxel/s, peak RSS {peakMiB / 1024.0:F2} GiB | ngff-zarr's published 6.75 Mvoxel/s (another machine) | — | completes; peak RSS ≤ 3 GiB |"));
                }
            }

            Write(markdownPath, rows, huge);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // Median seconds of the job whole and by chunks (runs alternating, after one warm-up of each), and the chunk count.
    private static async Task<(double Whole, double Chunked, int Chunks)> ChunkedAgainstWholeAsync(string input, string output, StageAccelerator accelerator)
    {
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2 });
        var (whole, chunked) = (new List<double>(), new List<double>());
        var chunks = 0;
        for (var r = -1; r < Repeats; r++)
        {
            foreach (var chunking in new[] { ChunkingSpec.Off, ChunkingSpec.Auto })
            {
                var spec = Downsample(input, Path.Combine(output, $"{r}-{chunking}"), accelerator) with { Chunking = chunking };
                var clock = Stopwatch.StartNew();
                await using var job = await cluster.StartJobAsync(spec).ConfigureAwait(false);
                var summary = await job.Completion.ConfigureAwait(false);
                var seconds = clock.Elapsed.TotalSeconds;
                var item = summary.Items.Single();
                if (item.Status != ItemStatus.Succeeded)
                {
                    throw new InvalidOperationException($"the {chunking} job failed: {item.Error}");
                }

                if (r >= 0)
                {
                    (chunking == ChunkingSpec.Off ? whole : chunked).Add(seconds);
                }

                chunks = Math.Max(chunks, item.ChunksTotal);
                Directory.Delete(Path.Combine(output, $"{r}-{chunking}"), recursive: true);
            }
        }

        return (Median(whole), Median(chunked), chunks);
    }

    // Runs the job on 3 silo processes of 1 slot; returns the chunks each ran (from the job's events) and its seconds.
    private static async Task<(int[] Shares, double Seconds)> SpreadAsync(string input, string output)
    {
        using var store = StoreServer.Redis();
        var clusterId = $"volume-spread-{Guid.NewGuid():N}";
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(store, clusterId, concurrency: 1))).ConfigureAwait(false);
        try
        {
            using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(silos[0].Url), Token = SiloProcess.Token });
            var clock = Stopwatch.StartNew();
            var job = await client.SubmitJobAsync(Downsample(input, output, StageAccelerator.Auto)).ConfigureAwait(false);
            var ran = new Dictionary<string, int>(StringComparer.Ordinal);
            var done = 0;
            await foreach (var p in job.WatchAsync().ConfigureAwait(false))
            {
                // A chunk's end is an event of its item (still running) with one more chunk done, from the silo that ran it.
                if (p.Event is { Status: ItemStatus.Running, ChunksTotal: > 0, Silo: { } silo } e && e.ChunksDone > done)
                {
                    done = e.ChunksDone;
                    ran[silo] = ran.GetValueOrDefault(silo) + 1;
                }
            }

            var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(20)).ConfigureAwait(false);
            if (summary.State != JobState.Succeeded)
            {
                throw new InvalidOperationException($"the spread job ended {summary.State}: {summary.Items.Single().Error}");
            }

            return ([.. silos.Select(s => ran.GetValueOrDefault(s.Address))], clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }

    // Runs `itkwasm-cluster run` on the volume; returns its wall seconds and the peak, sampled every 100 ms, of the
    // resident sets of the command and every process under it (its Node workers) together.
    private static async Task<(double Seconds, long PeakMiB)> RunCommandAsync(string input, string output, string accelerator)
    {
        var jobFile = Path.Combine(Path.GetDirectoryName(output)!, $"job-{accelerator}.yaml");
        await File.WriteAllTextAsync(jobFile, $$"""
            name: volume-16g
            input: { location: {{input}} }
            stages:
              - pipeline: "@itk-wasm/downsample:downsample"
                argsByDimension: { 3: [--shrink-factors, "2", "2", "2"] }
                accelerator: {{accelerator}}
            output: { location: {{output}} }
            itemTimeoutSeconds: 3600
            """).ConfigureAwait(false);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "itkwasm-cluster.dll"));
        start.ArgumentList.Add("run");
        start.ArgumentList.Add(jobFile);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, TreeResidentKiB(process.Id));
            await Task.Delay(100).ConfigureAwait(false);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return process.ExitCode == 0
            ? (seconds, peak / 1024)
            : throw new InvalidOperationException($"run exited with {process.ExitCode}: {await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
    }

    // The resident sets (VmRSS) of a process and its descendants, in KiB.
    private static long TreeResidentKiB(int pid)
    {
        long total = 0;
        var pending = new Stack<int>([pid]);
        while (pending.Count > 0)
        {
            var p = pending.Pop();
            try
            {
                var rss = File.ReadLines($"/proc/{p}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                total += rss is null ? 0 : long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                foreach (var task in Directory.EnumerateDirectories($"/proc/{p}/task"))
                {
                    foreach (var child in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        pending.Push(int.Parse(child, CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (IOException)
            {
                // it ended meanwhile
            }
        }

        return total;
    }

    private static JobSpec Downsample(string input, string output, StageAccelerator accelerator) => new()
    {
        Name = "volume",
        Input = new DatasetSpec { Location = input },
        Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample", Args = ["--shrink-factors", "2", "2", "2"], Accelerator = accelerator }],
        Output = new OutputSpec { Location = output },
        ItemTimeout = TimeSpan.FromHours(1),
    };

    // Writes an .iwi.cbor of uniform random pixels (no NaNs) without holding it: the prefix, then the pixels in 4 MiB
    // pieces from a fixed seed.
    private static void WriteRandom(string path, ComponentType type, long[] size)
    {
        var header = new Image(new ImageType(size.Length, type)) { Size = size, Spacing = [.. size.Select(_ => 0.5)] };
        var (layout, prefix) = ImageLayout.ForCbor(header);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        file.Write(prefix);
        var random = new Random(23);
        var piece = new byte[4 << 20];
        for (var left = layout.Length - prefix.Length; left > 0; left -= piece.Length)
        {
            if (type == ComponentType.Float32)
            {
                foreach (ref var v in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(piece.AsSpan()))
                {
                    v = random.NextSingle() * 1000;
                }
            }
            else
            {
                random.NextBytes(piece);
            }

            file.Write(piece, 0, (int)Math.Min(piece.Length, left));
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static void Write(string markdownPath, List<string> rows, bool huge)
    {
        var section = new StringBuilder()
            .AppendLine("## Large volumes: items by chunks")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run {(huge ? "volumes-16g" : "volumes")}` on {Environment.ProcessorCount} logical cores, {Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30))} GiB, .NET {Environment.Version}; volumes of uniform random pixels in `.iwi.cbor` files (page-cached where they fit), downsampled 2×2×2 by `@itk-wasm/downsample:downsample`. Whole against chunked: the embedded cluster with 2 slots, medians of {Repeats} runs of each, alternating, after a warm-up run of each; the ratio is the whole job's time over the chunked job's (higher is better). Spread: 3 silo processes of 1 slot on a private `redis-server`, the chunks each ran counted from the job's events."))
            .AppendLine()
            .AppendLine("| measurement | chunked | peer | ratio | target |")
            .AppendLine("| --- | ---: | --- | ---: | --- |");
        foreach (var row in rows)
        {
            section.AppendLine(row);
        }

        BenchmarkReport.WriteSection(markdownPath, huge ? "volumes-16g" : "volumes", section.ToString());
    }
}
