using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime.Node;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The Node.js runtime of npm pipelines against Node.js peers measured in the same run (bench/node/peers.mjs): per-run overhead,
/// downsample over 100 real 2D images, and downsample of a 256³ volume. Wall-clock medians with a Stopwatch:
/// BenchmarkDotNet cannot time the Node peers.
/// </summary>
public static class PipelineBenchmarks
{
    private const int Repeats = 5;
    private const int OverheadRuns = 300;

    /// <summary>The 6 real scalar 2D images of shared/data that the runtime benchmarks cycle through.</summary>
    internal static readonly string[] Sources =
    [
        "itk-wasm/cthead1.png", "itk-wasm/web-worker-pool-baseline.iwi", "itk-examples/RatLungSlice1.mha",
        "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", "itk-wasm/test.fdf", "itk-wasm/Gourds.png",
    ];

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-pipeline-bench").FullName;
        try
        {
            var data = Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));
            var nodeModules = Path.Combine(root, "node_modules");
            var imagesDir = Directory.CreateDirectory(Path.Combine(work, "images")).FullName;
            var volumePath = Path.Combine(work, "volume.iwi.cbor");
            var images = await PrepareImagesAsync(data, imagesDir, nodeModules).ConfigureAwait(false);
            using (var volume = FileThroughputBenchmarks.SyntheticVolume())
            {
                ImageFile.Write(volume, volumePath);
            }

            Console.WriteLine("node peers...");
            var peers = RunPeers(root, nodeModules, imagesDir, volumePath);
            Console.WriteLine(JsonSerializer.Serialize(peers));

            var options = new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules };
            var downsample = PipelineReference.Parse("@itk-wasm/downsample:downsample");
            double serial, parallel, volumeMs;
            using (var runtime = new NodeWasmRuntime(options with { MaxConcurrency = 1 }))
            {
                var pipeline = new Pipeline(downsample, runtime);
                await DownsampleAllAsync(pipeline, images.Take(2)).ConfigureAwait(false);
                serial = await MedianAsync(() => DownsampleAllAsync(pipeline, images)).ConfigureAwait(false);
                using var volume = ImageFile.Read(volumePath);
                await DownsampleAllAsync(pipeline, [volume]).ConfigureAwait(false);
                volumeMs = await MedianAsync(() => DownsampleAllAsync(pipeline, [volume])).ConfigureAwait(false);
            }

            using (var runtime = new NodeWasmRuntime(options))
            {
                var pipeline = new Pipeline(downsample, runtime);
                await DownsampleAllAsync(pipeline, images.Take(Environment.ProcessorCount * 2)).ConfigureAwait(false);
                parallel = await MedianAsync(() => DownsampleAllAsync(pipeline, images)).ConfigureAwait(false);
            }

            var npmOverhead = await MeasureOverheadAsync(images[0], options).ConfigureAwait(false);
            Write(markdownPath, images.Count, peers, serial, parallel, volumeMs, npmOverhead);
            foreach (var image in images)
            {
                image.Dispose();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<List<Image>> PrepareImagesAsync(string data, string imagesDir, string nodeModules)
    {
        using var runtime = new NodeWasmRuntime(new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules });
        var io = new ImageIo(runtime);
        var originals = new List<Image>();
        foreach (var source in Sources)
        {
            var path = Path.Combine(data, source);
            originals.Add(ItkWasmPath.TryParse(path) is null ? await io.ReadAsync(path).ConfigureAwait(false) : ImageFile.Read(path));
        }

        var images = new List<Image>();
        for (var i = 0; i < 100; i++)
        {
            var path = Path.Combine(imagesDir, $"{i:D3}.iwi.cbor");
            ImageFile.Write(originals[i % originals.Count], path);
            images.Add(ImageFile.Read(path));
        }

        foreach (var original in originals)
        {
            original.Dispose();
        }

        return images;
    }

    private static async Task DownsampleAllAsync(Pipeline pipeline, IEnumerable<Image> images)
    {
        var runs = images.Select(async image =>
        {
            using var result = await pipeline.RunAsync(
                ["0", "0", "--shrink-factors", .. image.Size.Select(_ => "2")],
                [new PipelineOutput(InterfaceType.Image)],
                [PipelineInput.Image(image)]).ConfigureAwait(false);
        });
        await Task.WhenAll(runs).ConfigureAwait(false);
    }

    private static async Task<double> MeasureOverheadAsync(Image sample, NodeWasmRuntimeOptions options)
    {
        using var runtime = new NodeWasmRuntime(options with { MaxConcurrency = 1 });
        var downsample = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), runtime);
        async Task<double> Overhead(Pipeline pipeline, string[] args)
        {
            var overheads = new List<double>();
            for (var i = 0; i < OverheadRuns + 20; i++)
            {
                using var result = await pipeline.RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(sample)]).ConfigureAwait(false);
                if (i >= 20)
                {
                    overheads.Add(result.Timings.Overhead.TotalMilliseconds);
                }
            }

            return Median(overheads);
        }

        return await Overhead(downsample, ["0", "0", "--shrink-factors", "2", "2"]).ConfigureAwait(false);
    }

    private static Dictionary<string, double> RunPeers(string root, string nodeModules, string imagesDir, string volumePath) =>
        JsonSerializer.Deserialize<Dictionary<string, double>>(
            NodeScript.Run(root, "peers.mjs", nodeModules, imagesDir, volumePath, Repeats.ToString(CultureInfo.InvariantCulture)))!;

    private static async Task<double> MedianAsync(Func<Task> body)
    {
        var times = new List<double>();
        for (var i = 0; i < Repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            await body().ConfigureAwait(false);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        return Median(times);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static void Write(string markdownPath, int count, Dictionary<string, double> peers, double serial, double parallel, double volume, double npmOverhead)
    {
        var cores = Environment.ProcessorCount;
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        string R(double v) => v.ToString("F2", CultureInfo.InvariantCulture) + "×";
        var section = new StringBuilder()
            .AppendLine("## Pipeline runtime: the .NET NodeWasmRuntime against Node.js running the same npm pipeline")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run pipelines` on {cores} logical cores, Node.js {NodeScript.Version()}, .NET {Environment.Version}. Wall-clock medians of {Repeats} repetitions (overheads: median of {OverheadRuns} runs). The peers run in the same run (`bench/node/peers.mjs`): `downsampleNode` from `@itk-wasm/downsample` per image, and a hand-written loop that compiles the module once and gives each image a fresh instance through ITK-Wasm's own `runPipelineEmscripten` (the engine's limit). Both sides start from images in memory and end with the results in memory. The {count} images cycle through 6 real scalar 2D images of shared/data (PNG, MetaImage, FDF, ITK-Wasm directory; 128² to 640×480); the volume is a synthetic 256³ float32 CT-like image, shrink 2 per axis."))
            .AppendLine()
            .AppendLine("| measurement | NodeWasmRuntime | peer | ratio (peer ÷ ours) | target |")
            .AppendLine("| --- | ---: | ---: | ---: | --- |")
            .AppendLine($"| downsample {count} 2D images, 1 executor | {F(serial)} ms | `downsampleNode` per image: {F(peers["npmPerCall"])} ms | {R(peers["npmPerCall"] / serial)} | ≥ 10× |")
            .AppendLine($"| downsample {count} 2D images, 1 executor | {F(serial)} ms | kept-module loop: {F(peers["keptModule"])} ms | {R(peers["keptModule"] / serial)} | ≥ 0.9× |")
            .AppendLine($"| downsample {count} 2D images, {cores} executors | {F(parallel)} ms | kept-module loop (1 thread): {F(peers["keptModule"])} ms | {R(peers["keptModule"] / parallel)} | ≥ 0.9× |")
            .AppendLine($"| downsample 256³ float32 volume | {F(volume)} ms | kept-module loop: {F(peers["volume"])} ms | {R(peers["volume"] / volume)} | within 10% (≥ 0.91×) |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| per-run overhead, 256² uint8, npm Emscripten module (downsample) | {npmOverhead:F2} ms | — | — | ≤ 2 ms median |"))
            .AppendLine()
            .AppendLine("Per-run overhead is the .NET caller's wall time from the call to the result, minus the pipeline's compute as timed inside V8: it counts the transfer both ways, the fresh instance, and writing the inputs into and reading the outputs out of linear memory.")
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "pipeline-runtime", section);
    }
}
