using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ItkWasm.Benchmarks;

// bench/run [files|pipelines|wasmtime|jobs|cluster|spread|blobs|accelerated|telemetry|dashboard|zarr|all|volumes|volumes-16g] ROOT: runs the benchmarks and rewrites their sections of ROOT/BENCHMARKS.md.
var which = args.Length > 0 ? args[0] : "all";
var root = args.Length > 1 ? args[1] : Directory.GetCurrentDirectory();
var markdown = Path.Combine(root, "BENCHMARKS.md");
if (which is "files" or "all")
{
    var job = Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(12)
        .WithInvocationCount(3)
        .WithUnrollFactor(1);
    var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator);
    BenchmarkReport.WriteFileThroughput(BenchmarkRunner.Run<FileThroughputBenchmarks>(config), markdown);
}

if (which is "pipelines" or "all")
{
    await PipelineBenchmarks.RunAsync(root, markdown);
}

if (which is "wasmtime" or "all")
{
    await WasmtimeBenchmarks.RunAsync(root, markdown);
}

if (which is "jobs" or "all")
{
    await JobBenchmarks.RunAsync(root, markdown);
}

if (which is "cluster" or "all")
{
    await ClusterBenchmarks.RunAsync(root, markdown);
}

if (which is "spread" or "all")
{
    await SpreadBenchmarks.RunAsync(markdown);
}

if (which is "blobs" or "all")
{
    await BlobBenchmarks.RunAsync(root, markdown);
}

if (which is "accelerated" or "all")
{
    await AcceleratedBenchmarks.RunAsync(root, markdown);
}

if (which is "telemetry" or "all")
{
    await TelemetryBenchmarks.RunAsync(markdown);
}

if (which is "dashboard" or "all")
{
    await OrleansDashboardBenchmarks.RunAsync(markdown);
}

if (which is "zarr" or "all")
{
    await ZarrBenchmarks.RunAsync(root, markdown);
}

// Not in "all": volumes writes 2.5 GiB of test volumes, volumes-16g 16 GiB more, and runs for an hour or more.
if (which is "volumes" or "volumes-16g")
{
    await VolumeBenchmarks.RunAsync(markdown, huge: which == "volumes-16g");
}
