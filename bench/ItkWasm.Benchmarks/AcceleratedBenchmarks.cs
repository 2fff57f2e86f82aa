using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasm.Downsample.Accelerated;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;
using ItkWasm.Runtime.Node;

namespace ItkWasm.Benchmarks;

/// <summary>
/// Accelerated overrides against the WebAssembly modules they replace, one call at a time on each side:
/// <c>downsample-bin-shrink</c> and <c>downsample</c>, each on a 256³ float32 image and on 100 real 2D scalar images (the shared data's, cycled),
/// through <see cref="Pipeline.RunAsync"/> on Node (the npm module, as a job runs it) and through the override.
/// </summary>
public static class AcceleratedBenchmarks
{
    private const int Repeats = 5;
    private const int Images2D = 100;

    private static readonly string[] Sources2D =
    [
        "itk-wasm/cthead1.png", "itk-wasm/test.fdf", "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd",
        "itk-examples/CorpusCallosumMeanShape.mha", "itk-examples/RatLungSlice1.mha",
    ];

    public static async Task RunAsync(string root, string markdownPath)
    {
        using var runtime = new NodeWasmRuntime(new NodeWasmRuntimeOptions { NodeModulesDirectory = Path.Combine(root, "node_modules"), MaxConcurrency = 1 });
        var data = Path.Combine(root, "..", "shared", "data");
        var io = new ImageIo(runtime);
        var sources = new List<Image>();
        foreach (var source in Sources2D)
        {
            sources.Add(await io.ReadAsync(Path.Combine(data, source)).ConfigureAwait(false));
        }

        var images = Enumerable.Range(0, Images2D).Select(i => sources[i % sources.Count]).ToArray();
        using var volume = Volumes.RandomFloat32(256);
        var rows = new List<(string Function, string Workload, (double Wasm, double Simd) Times)>();
        foreach (IPipelineOverride simd in new IPipelineOverride[] { new DownsampleBinShrinkSimd(), new DownsampleSimd() })
        {
            var wasm = new Pipeline(PipelineReference.Parse(simd.PipelineFunction), runtime);
            var name = PipelineReference.Parse(simd.PipelineFunction).Name;
            var volumeTimes = await CompareAsync(wasm, simd, [volume], ["0", "0", "--shrink-factors", "2", "2", "2"]).ConfigureAwait(false);
            Console.WriteLine($"{name} 256^3 wasm/simd ms {volumeTimes.Wasm:F1} / {volumeTimes.Simd:F1}");
            var sliceTimes = await CompareAsync(wasm, simd, images, ["0", "0", "--shrink-factors", "2", "2"]).ConfigureAwait(false);
            Console.WriteLine($"{name} 100 2D wasm/simd ms {sliceTimes.Wasm:F1} / {sliceTimes.Simd:F1}");
            rows.Add((name, "256³ float32 (64 MiB)", volumeTimes));
            rows.Add((name, $"{Images2D} 2D images", sliceTimes));
        }

        foreach (var source in sources)
        {
            source.Dispose();
        }

        Write(markdownPath, rows, images.Sum(i => i.PixelCount));
    }

    // Medians of Repeats alternating rounds, after one warm-up round of each side; each round runs every image once.
    private static async Task<(double Wasm, double Simd)> CompareAsync(Pipeline wasm, IPipelineOverride simd, Image[] images, string[] args)
    {
        PipelineOutput[] outputs = [new PipelineOutput(InterfaceType.Image)];
        var (wasmTimes, simdTimes) = (new List<double>(), new List<double>());
        for (var r = -1; r < Repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            foreach (var image in images)
            {
                using var result = await wasm.RunAsync(args, outputs, [PipelineInput.Image(image)]).ConfigureAwait(false);
            }

            var w = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            foreach (var image in images)
            {
                using var result = await simd.RunAsync(args, outputs, [PipelineInput.Image(image)]).ConfigureAwait(false);
            }

            var s = watch.Elapsed.TotalMilliseconds;
            if (r >= 0)
            {
                wasmTimes.Add(w);
                simdTimes.Add(s);
            }
        }

        return (JobBenchmarks.Median(wasmTimes), JobBenchmarks.Median(simdTimes));
    }

    private static void Write(string markdownPath, List<(string Function, string Workload, (double Wasm, double Simd) Times)> rows, long slicePixels)
    {
        var section = new StringBuilder()
            .AppendLine("## Accelerated stages: overrides against the WebAssembly modules")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run accelerated` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, SIMD {(System.Numerics.Vector.IsHardwareAccelerated ? $"{System.Numerics.Vector<byte>.Count * 8}-bit vectors" : "not accelerated")}. `@itk-wasm/downsample` 2.0.2 (shrink 2 per axis) through `Pipeline.RunAsync` on the Node executor (as a job runs it; module compiled and cached, so every call pays only instantiation, the copies in and out, and the run) against the `simd` overrides (`DownsampleBinShrinkSimd`, `DownsampleSimd`; single-threaded, as the modules are), whose results are the modules' (tests: bit-identical for bin shrink; for downsample, bit-identical on axis-aligned images and within the stated tolerance on rotated ones). One call at a time on each side; medians of {Repeats} alternating rounds after one warm-up round of each. The 2D set is {Images2D} real scalar images ({string.Join(", ", Sources2D.Select(Path.GetFileName))}, cycled; {slicePixels / 1e6:F1} Mpixels in all; the 30° slice is not axis-aligned, and its downsample is within the stated tolerance)."))
            .AppendLine()
            .AppendLine("| function | workload | wasm module | simd override | speed-up | target |")
            .AppendLine("| --- | --- | ---: | ---: | ---: | --- |");
        foreach (var (function, workload, t) in rows)
        {
            section.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| `{function}` | {workload} | {t.Wasm:F1} ms | {t.Simd:F1} ms | {t.Wasm / t.Simd:F1}× | ≥ 2× |"));
        }

        BenchmarkReport.WriteSection(markdownPath, "accelerated", section.ToString());
    }
}
