using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using ItkWasm.Benchmarks;

// Runs the benchmarks and rewrites their section of BENCHMARKS.md (path given as the first argument).
var markdown = args.Length > 0 ? args[0] : "BENCHMARKS.md";
var job = Job.Default
    .WithToolchain(InProcessEmitToolchain.Instance)
    .WithLaunchCount(1)
    .WithWarmupCount(3)
    .WithIterationCount(12)
    .WithInvocationCount(3)
    .WithUnrollFactor(1);
var config = ManualConfig.Create(DefaultConfig.Instance).AddJob(job).WithOptions(ConfigOptions.DisableOptimizationsValidator);
var summary = BenchmarkRunner.Run<FileThroughputBenchmarks>(config);
BenchmarkReport.WriteFileThroughput(summary, markdown);
