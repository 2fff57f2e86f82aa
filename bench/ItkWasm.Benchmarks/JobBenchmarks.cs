using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;

namespace ItkWasm.Benchmarks;

/// <summary>
/// A whole job on the embedded cluster (an in-process silo: dataset listing, partition and worker grains, file grain
/// state, content keys, atomic commits, the report) against the bare pipeline runtime called in a loop with the same concurrency, doing the same work per
/// image: read the .iwi.cbor, downsample, write the result.
/// </summary>
public static class JobBenchmarks
{
    internal const int Count = 200;
    private const int Repeats = 5;

    private static readonly string[] Sources =
    [
        "itk-wasm/web-worker-pool-baseline.iwi", "itk-wasm/cthead1-rgb.iwi.cbor", "itk-examples/RatLungSlice1.mha",
        "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd",
    ];

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-job-bench").FullName;
        try
        {
            var nodeModules = Path.Combine(root, "node_modules");
            var input = Directory.CreateDirectory(Path.Combine(work, "in")).FullName;
            await PrepareAsync(Path.Combine(root, "..", "shared", "data"), input, nodeModules).ConfigureAwait(false);
            var concurrency = Environment.ProcessorCount;
            var runtimeOptions = new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules };

            // Loop and job runs alternate, so that drift on a shared machine hits both alike.
            var (loop, job, setup) = (new List<double>(), new List<double>(), new List<double>());
            using (var runtime = new NodeWasmRuntime(runtimeOptions with { MaxConcurrency = concurrency }))
            using (var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = concurrency, Runtime = new WasmRuntimeOptions { Node = runtimeOptions } }))
            {
                var pipeline = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), runtime);
                await BareLoopAsync(pipeline, input, Path.Combine(work, "warm-loop"), concurrency, 2 * concurrency).ConfigureAwait(false);
                await RunJobAsync(cluster, input, Path.Combine(work, "warm-job"), ["000*"]).ConfigureAwait(false);
                for (var r = 0; r < Repeats; r++)
                {
                    loop.Add(await BareLoopAsync(pipeline, input, Path.Combine(work, $"loop-{r}"), concurrency, Count).ConfigureAwait(false));
                    var (total, start) = await RunJobAsync(cluster, input, Path.Combine(work, $"job-{r}"), ["**/*"]).ConfigureAwait(false);
                    job.Add(total);
                    setup.Add(start);
                }
            }

            Write(markdownPath, concurrency, Median(loop), Median(job), Median(setup));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    internal static async Task PrepareAsync(string data, string input, string nodeModules)
    {
        using var runtime = new NodeWasmRuntime(new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules });
        var io = new ImageIo(runtime);
        var images = new List<Image>();
        foreach (var source in Sources)
        {
            var path = Path.Combine(data, source);
            var image = ItkWasmPath.TryParse(path) is null ? await io.ReadAsync(path).ConfigureAwait(false) : ImageFile.Read(path);
            if (image.ImageType.Components > 1)
            {
                image.ImageType = image.ImageType with { PixelType = PixelType.VariableLengthVector };
            }

            images.Add(image);
        }

        for (var i = 0; i < Count; i++)
        {
            ImageFile.Write(images[i % images.Count], Path.Combine(input, $"{i:D4}.iwi.cbor"));
        }

        foreach (var image in images)
        {
            image.Dispose();
        }
    }

    private static async Task<double> BareLoopAsync(Pipeline pipeline, string input, string output, int concurrency, int count)
    {
        Directory.CreateDirectory(output);
        var files = Directory.GetFiles(input).Order(StringComparer.Ordinal).Take(count).ToArray();
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (file, ct) =>
        {
            using var image = ImageFile.Read(file);
            using var result = await pipeline.RunAsync(
                ["0", "0", "--shrink-factors", "2", "2"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)], null, ct).ConfigureAwait(false);
            ImageFile.Write(result.Output<Image>(0), Path.Combine(output, Path.GetFileName(file)));
        }).ConfigureAwait(false);
        return watch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Runs the downsample job over <paramref name="include"/> of <paramref name="input"/>; returns its total
    /// time and the part spent starting it, both in milliseconds.</summary>
    private static Task<(double Total, double Setup)> RunJobAsync(EmbeddedCluster cluster, string input, string output, string[] include) =>
        RunJobAsync(cluster, new JobSpec
        {
            Name = "bench",
            Input = new DatasetSpec { Location = input, Include = include },
            // The module, as the peer runs it (auto would choose the SIMD override).
            Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample", Args = ["--shrink-factors", "2", "2"], Accelerator = StageAccelerator.Wasm }],
            Output = new OutputSpec { Location = output },
        });

    /// <summary>Runs <paramref name="spec"/> on the embedded cluster; returns its total time and the part spent starting
    /// it (starting the silo, listing the dataset, starting the partitions), both in milliseconds.</summary>
    /// <exception cref="InvalidOperationException">The job did not succeed.</exception>
    internal static async Task<(double Total, double Setup)> RunJobAsync(EmbeddedCluster cluster, JobSpec spec)
    {
        var watch = Stopwatch.StartNew();
        await using var job = await cluster.StartJobAsync(spec).ConfigureAwait(false);
        var setup = watch.Elapsed.TotalMilliseconds;
        var summary = await job.Completion.ConfigureAwait(false);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (summary.State != JobState.Succeeded)
        {
            throw new InvalidOperationException($"the benchmark job ended {summary.State}");
        }

        return (elapsed, setup);
    }

    internal static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static void Write(string markdownPath, int concurrency, double loop, double job, double setup)
    {
        var overhead = (job - loop) * concurrency / Count;
        var perTask = (job - setup - loop) * concurrency / Count;
        var section = new StringBuilder()
            .AppendLine("## The main job: embedded cluster against the bare runtime in a loop")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run jobs` on {concurrency} logical cores, .NET {Environment.Version}: medians of {Repeats} runs of each, alternating, after a warm-up of each side. Both sides do the same work for each of {Count} small real images (four 2D images of shared/data, 128² to 256×256, as `.iwi.cbor`, cycled): read the image, run `@itk-wasm/downsample` (shrink 2), write the result, {concurrency} at a time. The job also starts an in-process Orleans silo, lists the dataset, dispatches each item from a partition grain to the worker grain, records it in the partition's grain state (a file, written atomically), hashes the input for its content key, commits atomically and writes `job.json`; the loop (`Parallel.ForEachAsync` over `Pipeline.RunAsync`) does none of that. Overhead per item is (job − loop) × {concurrency} ÷ {Count}: the extra worker time each item costs; the second figure leaves out the job's start, which is paid once per job, not per item."))
            .AppendLine()
            .AppendLine("| measurement | value | target |")
            .AppendLine("| --- | ---: | --- |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| bare runtime loop, {Count} images | {loop:F0} ms ({Count / loop * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| embedded job, {Count} images | {job:F0} ms ({Count / job * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| job throughput ÷ loop throughput | {loop / job:F2}× | ≥ 0.95× |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| overhead per item, everything counted | {overhead:F2} ms | ≤ 2 ms |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| of which job start (start the silo, list the dataset, start the partitions) | {setup:F0} ms in all | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| scheduling overhead per item, job start excluded | {perTask:F2} ms | ≤ 2 ms |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "embedded-job", section);
    }
}
