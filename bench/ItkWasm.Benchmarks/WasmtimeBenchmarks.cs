using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasm.Runtime.Wasmtime;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The Wasmtime runtime against its peers, measured in the same run: the Node executor path it replaced (the executor
/// script of the last commit that ran WASI modules, driven by the same wire code), and a hand-written node:wasi loop
/// (bench/node/wasi-loop.mjs). Also the cost of epoch checks and of fuel against no interruption at all, the per-run
/// overhead, and a cold start on a warm module cache. Wall-clock medians with a Stopwatch.
/// </summary>
public static class WasmtimeBenchmarks
{
    /// <summary>The last commit whose Node executor ran WASI modules.</summary>
    private const string LegacyCommit = "e08bab9";
    private const int Repeats = 5;
    private const int DesignRepeats = 9;
    private const int Count = 100;
    private const int OverheadRuns = 300;

    private static readonly string[] CompareArgs = ["0", "0", "1", "2", "--baseline-images", "1", "--difference-threshold", "2", "--radius-tolerance", "1", "--memory-io"];

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-wasmtime-bench").FullName;
        try
        {
            var data = Path.GetFullPath(Path.Combine(root, "..", "shared", "data"));
            var nodeModules = Path.Combine(root, "node_modules");
            var compare = Path.Combine(data, "itk-wasm", "wasi", "compare-double-images.wasi.wasm");
            var negate = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm");
            var (pairs, scalar) = await PrepareAsync(data, work, nodeModules).ConfigureAwait(false);
            var items = Enumerable.Range(0, Count).Select(i => pairs[i % pairs.Count]).ToList();
            var results = new Results { Cores = Environment.ProcessorCount };

            Console.WriteLine("node:wasi loop...");
            var loop = NodeLoop(root, nodeModules, work, compare, CompareArgs, ["JsonCompatible", "Image", "Image"], items.Select(p => new[] { p.TestPath, p.BaselinePath }), Repeats);
            results.NodeLoop = loop.GetProperty("loopMs").GetDouble();
            results.NodeLoopCompute = loop.GetProperty("computeMs").GetDouble();
            var overheadPeer = NodeLoop(root, nodeModules, work, negate, ["0", "0", "--memory-io"], ["Image"], Enumerable.Repeat(new[] { scalar.Path }, OverheadRuns), 1);
            results.NodeOverhead = overheadPeer.GetProperty("overheadMs").GetDouble();

            Console.WriteLine("wasmtime...");
            await MeasureWasmtimeAsync(work, compare, items, results).ConfigureAwait(false);
            results.Overhead = await OverheadAsync(work, negate, scalar.Image).ConfigureAwait(false);
            (results.ColdLoaded, results.ColdCompiled) = await ColdStartAsync(work, Path.Combine(data, "itk-wasm", "wasi", "vector-magnitude.wasi.wasm")).ConfigureAwait(false);

            Console.WriteLine("legacy node executor...");
            var legacy = LegacyExecutorScript(root, work);
            if (legacy is not null)
            {
                (results.LegacySerial, results.LegacyParallel) = await LegacyExecutorAsync(legacy, nodeModules, compare, items).ConfigureAwait(false);
            }

            Write(markdownPath, results);
            foreach (var pair in pairs)
            {
                pair.Test.Dispose();
                pair.Baseline.Dispose();
            }

            scalar.Image.Dispose();
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(List<Pair> Pairs, (Image Image, string Path) Scalar)> PrepareAsync(string data, string work, string nodeModules)
    {
        using var runtime = new WasmRuntime(new WasmRuntimeOptions { Node = new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules } });
        var io = new ImageIo(runtime);
        var pairs = new List<Pair>();
        foreach (var (source, i) in PipelineBenchmarks.Sources.Select((s, i) => (s, i)))
        {
            var path = Path.Combine(data, source);
            using var original = ItkWasmPath.TryParse(path) is null ? await io.ReadAsync(path).ConfigureAwait(false) : ImageFile.Read(path);
            var test = ImageConversion.ToFloat64Scalar(original);
            var baseline = ImageConversion.ToFloat64Scalar(original);
            var pixels = baseline.Data.AsSpan<double>(0, (int)(baseline.Data.Length / sizeof(double)));
            for (var p = 0; p < pixels.Length; p += 7)
            {
                pixels[p] += 3;
            }

            var pair = new Pair(test, baseline, Path.Combine(work, $"test-{i}.iwi.cbor"), Path.Combine(work, $"baseline-{i}.iwi.cbor"));
            ImageFile.Write(test, pair.TestPath);
            ImageFile.Write(baseline, pair.BaselinePath);
            pairs.Add(pair);
        }

        var scalar = await io.ReadAsync(Path.Combine(data, "itk-wasm", "cthead1.png")).ConfigureAwait(false);
        var scalarPath = Path.Combine(work, "cthead1.iwi.cbor");
        ImageFile.Write(scalar, scalarPath);
        return (pairs, (scalar, scalarPath));
    }

    private static async Task MeasureWasmtimeAsync(string work, string compare, List<Pair> items, Results results)
    {
        var designs = new[] { WasmtimeInterruption.Epoch, WasmtimeInterruption.Fuel, WasmtimeInterruption.None };
        var runtimes = designs.ToDictionary(d => d, d => new WasmtimeRuntime(new WasmtimeRuntimeOptions
        {
            ComputeSlots = 1,
            CacheDirectory = Path.Combine(work, "cache-" + d),
            Interruption = d,
        }));
        try
        {
            var passes = designs.ToDictionary(d => d, _ => new List<double>());
            var computes = designs.ToDictionary(d => d, _ => new List<double>());
            foreach (var d in designs)
            {
                await PassAsync(runtimes[d], compare, items.Take(4)).ConfigureAwait(false);
            }

            // The designs alternate pass by pass, in a rotating order, so that drift on a shared machine hits all alike.
            for (var r = 0; r < DesignRepeats; r++)
            {
                foreach (var d in designs.Skip(r % designs.Length).Concat(designs.Take(r % designs.Length)))
                {
                    var (wall, compute) = await PassAsync(runtimes[d], compare, items).ConfigureAwait(false);
                    passes[d].Add(wall);
                    computes[d].Add(compute);
                }
            }

            results.Serial = Median(passes[WasmtimeInterruption.Epoch]);
            results.ComputeEpoch = Median(computes[WasmtimeInterruption.Epoch]);
            results.ComputeFuel = Median(computes[WasmtimeInterruption.Fuel]);
            results.ComputeNone = Median(computes[WasmtimeInterruption.None]);
        }
        finally
        {
            foreach (var runtime in runtimes.Values)
            {
                runtime.Dispose();
            }
        }

        using var parallel = new WasmtimeRuntime(new WasmtimeRuntimeOptions { CacheDirectory = Path.Combine(work, "cache-" + WasmtimeInterruption.Epoch) });
        await PassAsync(parallel, compare, items.Take(4)).ConfigureAwait(false);
        var parallelPasses = new List<double>();
        for (var r = 0; r < Repeats; r++)
        {
            parallelPasses.Add((await PassAsync(parallel, compare, items).ConfigureAwait(false)).Wall);
        }

        results.Parallel = Median(parallelPasses);
    }

    // One pass over the items, all submitted at once (the runtime's compute slots bound the concurrency).
    private static async Task<(double Wall, double Compute)> PassAsync(IWasmRuntime runtime, string module, IEnumerable<Pair> items)
    {
        var pipeline = new Pipeline(PipelineReference.Parse(module), runtime);
        var watch = Stopwatch.StartNew();
        var computes = await Task.WhenAll(items.Select(async pair =>
        {
            using var result = await pipeline.RunAsync(CompareArgs,
                [new PipelineOutput(InterfaceType.JsonCompatible), new PipelineOutput(InterfaceType.Image), new PipelineOutput(InterfaceType.Image)],
                [PipelineInput.Image(pair.Test), PipelineInput.Image(pair.Baseline)]).ConfigureAwait(false);
            return result.Timings.Compute.TotalMilliseconds;
        })).ConfigureAwait(false);
        return (watch.Elapsed.TotalMilliseconds, computes.Sum());
    }

    private static async Task<double> OverheadAsync(string work, string negate, Image sample)
    {
        using var runtime = new WasmtimeRuntime(new WasmtimeRuntimeOptions { ComputeSlots = 1, CacheDirectory = Path.Combine(work, "cache-overhead") });
        var pipeline = new Pipeline(PipelineReference.Parse(negate), runtime);
        var overheads = new List<double>();
        for (var i = 0; i < OverheadRuns + 20; i++)
        {
            using var result = await pipeline.RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(sample)]).ConfigureAwait(false);
            if (i >= 20)
            {
                overheads.Add(result.Timings.Overhead.TotalMilliseconds);
            }
        }

        return Median(overheads);
    }

    // A fresh runtime (engine, run threads, empty in-memory cache) and its first run, as in a silo that just started:
    // with the artifact on disk, and with an empty cache folder (compiling).
    private static async Task<(double Loaded, double Compiled)> ColdStartAsync(string work, string module)
    {
        async Task<double> Once(string cache, bool expectLoaded)
        {
            var watch = Stopwatch.StartNew();
            using var runtime = new WasmtimeRuntime(new WasmtimeRuntimeOptions { ComputeSlots = 1, CacheDirectory = cache });
            using var result = await new Pipeline(PipelineReference.Parse(module), runtime).RunAsync(["--interface-json"], [], []).ConfigureAwait(false);
            var elapsed = watch.Elapsed.TotalMilliseconds;
            if ((runtime.CacheStatistics.LoadedFromDisk == 1) != expectLoaded)
            {
                throw new InvalidOperationException($"the cold start did not {(expectLoaded ? "load" : "compile")} the module: {runtime.CacheStatistics}");
            }

            return elapsed;
        }

        var warm = Path.Combine(work, "cache-cold");
        var compiled = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var empty = Path.Combine(work, $"cache-empty-{i}");
            compiled.Add(await Once(empty, expectLoaded: false).ConfigureAwait(false));
            if (i == 0)
            {
                Directory.Move(empty, warm);
            }
        }

        var loaded = new List<double>();
        for (var i = 0; i < Repeats * 2; i++)
        {
            loaded.Add(await Once(warm, expectLoaded: true).ConfigureAwait(false));
        }

        return (Median(loaded), Median(compiled));
    }

    private static string? LegacyExecutorScript(string root, string work)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in new[] { "show", $"{LegacyCommit}:ItkWasm/Runtime/Node/executor.mjs" })
        {
            start.ArgumentList.Add(a);
        }

        using var git = Process.Start(start)!;
        var script = git.StandardOutput.ReadToEnd();
        git.WaitForExit();
        if (git.ExitCode != 0)
        {
            Console.WriteLine($"git show {LegacyCommit} failed; the legacy executor rows are left out");
            return null;
        }

        var path = Path.Combine(work, "legacy-executor.mjs");
        File.WriteAllText(path, script);
        return path;
    }

    private static async Task<(double Serial, double Parallel)> LegacyExecutorAsync(string script, string nodeModules, string compare, List<Pair> items)
    {
        var reference = PipelineReference.Parse(compare);
        var spec = new ModuleSpec(reference.Location, "legacy-" + reference.Name);
        async Task<double> Pass(NodeExecutor[] executors, IEnumerable<Pair> pass)
        {
            var watch = Stopwatch.StartNew();
            var queue = new Queue<Pair>(pass);
            await Task.WhenAll(executors.Select(async executor =>
            {
                while (true)
                {
                    Pair pair;
                    lock (queue)
                    {
                        if (queue.Count == 0)
                        {
                            return;
                        }

                        pair = queue.Dequeue();
                    }

                    await LegacyRunAsync(executor, reference, spec, pair).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
            return watch.Elapsed.TotalMilliseconds;
        }

        async Task<double> Measure(int count)
        {
            var executors = Enumerable.Range(0, count).Select(_ => NodeExecutor.Start("node", script, nodeModules)).ToArray();
            try
            {
                await Pass(executors, items.Take(4 * count)).ConfigureAwait(false);
                var passes = new List<double>();
                for (var r = 0; r < Repeats; r++)
                {
                    passes.Add(await Pass(executors, items).ConfigureAwait(false));
                }

                return Median(passes);
            }
            finally
            {
                foreach (var executor in executors)
                {
                    executor.Dispose();
                }
            }
        }

        return (await Measure(1).ConfigureAwait(false), await Measure(Environment.ProcessorCount).ConfigureAwait(false));
    }

    // What NodeWasmRuntime.RunAsync did for a WASI module before Wasmtime: the request frame over the pipe, the
    // executor's node:wasi run, the response's outputs read back into native buffers.
    private static async Task LegacyRunAsync(NodeExecutor executor, PipelineReference reference, ModuleSpec spec, Pair pair)
    {
        var request = new PipelineRunRequest(reference, CompareArgs,
            [PipelineInput.Image(pair.Test), PipelineInput.Image(pair.Baseline)],
            [new PipelineOutput(InterfaceType.JsonCompatible), new PipelineOutput(InterfaceType.Image), new PipelineOutput(InterfaceType.Image)],
            PipelineRunOptions.Default);
        var (header, blobs) = ExecutorWire.BuildRequest(request, spec);
        await Task.Run(() => ExecutorWire.WriteFrame(executor.Requests, header, blobs)).ConfigureAwait(false);
        using var response = await executor.ReadHeaderAsync(CancellationToken.None).ConfigureAwait(false);
        if (!response.RootElement.GetProperty("ok").GetBoolean() || response.RootElement.GetProperty("returnCode").GetInt32() != 0)
        {
            throw new InvalidOperationException($"the legacy executor failed: {response.RootElement}");
        }

        foreach (var output in ExecutorWire.ReadOutputs(response.RootElement, request, executor.Responses).OfType<IDisposable>())
        {
            output.Dispose();
        }
    }

    private static JsonElement NodeLoop(string root, string nodeModules, string work, string module, string[] args, string[] outputs, IEnumerable<string[]> items, int repeats)
    {
        var specPath = Path.Combine(work, $"loop-{Guid.NewGuid():N}.json");
        File.WriteAllText(specPath, JsonSerializer.Serialize(new { module, args, outputs, items, repeats }));
        var output = NodeScript.Run(root, "wasi-loop.mjs", nodeModules, specPath);
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static void Write(string markdownPath, Results r)
    {
        string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
        string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        string R(double v) => v.ToString("F2", CultureInfo.InvariantCulture) + "×";
        var legacy = r.LegacySerial > 0;
        var section = new StringBuilder()
            .AppendLine("## Wasmtime: WASI pipelines in process, against the Node executor path it replaced and a node:wasi loop")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run wasmtime` on {r.Cores} logical cores, .NET {Environment.Version}, Wasmtime 50.0.1, Node.js {NodeScript.Version()}. The module is the genuine `compare-double-images.wasi.wasm` (ITK-Wasm's WASI build, shared/data) comparing each of {Count} real 2D images (6 scalar images of shared/data cycled: PNG, MetaImage, FDF, ITK-Wasm directory; 128² to 640×480; as float64) with a baseline that differs in every 7th pixel, `--radius-tolerance 1`; outputs the metrics JSON and both difference images. Wall-clock medians of {Repeats} passes over all images, each pass submitting every image at once. Peers in the same run: the Node executor path that WASI modules took before (the executor script of commit `{LegacyCommit}`, driven by the same C# wire code: request frame over the pipe, a fresh node:wasi instance, outputs back into native buffers), and `bench/node/wasi-loop.mjs`, a hand-written node:wasi loop that compiles the module once and gives each image a fresh instance, on one thread (V8's limit)."))
            .AppendLine()
            .AppendLine("| measurement | Wasmtime | peer | ratio (peer ÷ ours) | target |")
            .AppendLine("| --- | ---: | ---: | ---: | --- |");
        if (legacy)
        {
            section
                .AppendLine($"| {Count} images, 1 slot | {F(r.Serial)} ms | Node executor path, 1 executor: {F(r.LegacySerial)} ms | {R(r.LegacySerial / r.Serial)} | ≥ 1.2× |")
                .AppendLine($"| {Count} images, {r.Cores} slots | {F(r.Parallel)} ms | Node executor path, {r.Cores} executors: {F(r.LegacyParallel)} ms | {R(r.LegacyParallel / r.Parallel)} | ≥ 1.2× |");
        }

        section
            .AppendLine($"| {Count} images, 1 slot | {F(r.Serial)} ms | node:wasi loop: {F(r.NodeLoop)} ms | {R(r.NodeLoop / r.Serial)} | ≥ 1.0× |")
            .AppendLine($"| {Count} images, {r.Cores} slots | {F(r.Parallel)} ms | node:wasi loop (1 thread): {F(r.NodeLoop)} ms | {R(r.NodeLoop / r.Parallel)} | — |")
            .AppendLine($"| module compute only (sum of `itk_wasm_delayed_start`), 1 slot | {F(r.ComputeEpoch)} ms | node:wasi loop: {F(r.NodeLoopCompute)} ms | {R(r.NodeLoopCompute / r.ComputeEpoch)} | — |")
            .AppendLine($"| per-run overhead, 256² uint8 (`negate`, call to result minus compute) | {F2(r.Overhead)} ms | node:wasi loop: {F2(r.NodeOverhead)} ms | {R(r.NodeOverhead / r.Overhead)} | ≤ 0.5 ms median |")
            .AppendLine($"| cold start: new runtime + first run of `vector-magnitude.wasi.wasm` (1.7 MB), artifact on disk | {F(r.ColdLoaded)} ms | same, compiling it: {F(r.ColdCompiled)} ms | {R(r.ColdCompiled / r.ColdLoaded)} | ≤ 20 ms |")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Keeping deadlines enforceable: the same module's compute (sum over one pass, 1 slot; median of {DesignRepeats} passes, the designs taking turns) with each interruption design, against no interruption at all (a module that cannot be stopped):"))
            .AppendLine()
            .AppendLine("| design | compute | ratio to none | target |")
            .AppendLine("| --- | ---: | ---: | --- |")
            .AppendLine($"| epoch checks (kept: deadlines and cancellation stop a module within one 10 ms tick) | {F(r.ComputeEpoch)} ms | {R(r.ComputeEpoch / r.ComputeNone)} | ≤ 1.10× |")
            .AppendLine($"| fuel metering (unlimited fuel) | {F(r.ComputeFuel)} ms | {R(r.ComputeFuel / r.ComputeNone)} | — |")
            .AppendLine($"| none | {F(r.ComputeNone)} ms | 1.00× | — |")
            .AppendLine()
            .AppendLine("The per-run overhead counts the fresh store and instance, `_initialize`, writing the inputs into and reading the outputs out of linear memory, and the hand-off to and from a run thread. The cold start counts creating the engine and run threads, loading (or compiling) the module, and the first run; it does not count starting the .NET process.");
        BenchmarkReport.WriteSection(markdownPath, "wasmtime-runtime", section.ToString());
    }


    private sealed record Pair(Image Test, Image Baseline, string TestPath, string BaselinePath);

    private sealed class Results
    {
        public int Cores { get; init; }

        public double Serial { get; set; }

        public double Parallel { get; set; }

        public double LegacySerial { get; set; }

        public double LegacyParallel { get; set; }

        public double NodeLoop { get; set; }

        public double NodeLoopCompute { get; set; }

        public double NodeOverhead { get; set; }

        public double Overhead { get; set; }

        public double ComputeEpoch { get; set; }

        public double ComputeFuel { get; set; }

        public double ComputeNone { get; set; }

        public double ColdLoaded { get; set; }

        public double ColdCompiled { get; set; }
    }
}
