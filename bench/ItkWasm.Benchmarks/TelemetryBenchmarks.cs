using System.Globalization;
using System.Text;
using ItkWasm.IO;
using ItkWasm.Tests;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Grains.Tests;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The cost of telemetry: the same embedded job with the cluster's metrics and traces exported (OpenTelemetry's SDK,
/// the OTLP exporter over HTTP/protobuf to a local endpoint that takes and drops the exports; metrics every second,
/// spans in the SDK's batches) against none, alternating.
/// </summary>
public static class TelemetryBenchmarks
{
    private const int Items = 2_000;
    private const int Repeats = 15;
    private const int WarmUps = 2;

    public static async Task RunAsync(string markdownPath)
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        using (var image = new Image(new ImageType()) { Size = [4, 4], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] })
        {
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            ImageFile.Write(image, temp.Combine("tiny.iwi.cbor"));
            for (var i = 0; i < Items; i++)
            {
                File.Copy(temp.Combine("tiny.iwi.cbor"), Path.Combine(input, $"{i:D5}.iwi.cbor"));
            }
        }

        var endpoint = $"http://127.0.0.1:{Ports.Free()}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(endpoint);
        await using var collector = builder.Build();
        long exports = 0;
        collector.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref exports);
            return Results.Bytes([], "application/x-protobuf");
        });
        await collector.StartAsync();

        var module = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm");
        var concurrency = Environment.ProcessorCount;
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = concurrency });
        var (off, on) = (new List<double>(), new List<double>());
        var (offCpu, onCpu) = (new List<double>(), new List<double>());
        for (var r = -WarmUps; r < Repeats; r++)
        {
            // Pairs in alternating order (none first, then exported first), so that drift within a pair cancels out.
            foreach (var exported in r % 2 == 0 ? new[] { false, true } : [true, false])
            {
                using var meters = exported ? Sdk.CreateMeterProviderBuilder().AddMeter(ClusterTelemetry.Name, "Microsoft.Orleans")
                    .AddOtlpExporter((o, reader) => (o.Endpoint, o.Protocol, reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds) = (new Uri($"{endpoint}/v1/metrics"), OtlpExportProtocol.HttpProtobuf, 1000))
                    .Build() : null;
                using var traces = exported ? Sdk.CreateTracerProviderBuilder().AddSource(ClusterTelemetry.Name)
                    .AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (new Uri($"{endpoint}/v1/traces"), OtlpExportProtocol.HttpProtobuf))
                    .Build() : null;
                var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                var (time, _) = await JobBenchmarks.RunJobAsync(cluster, new JobSpec
                {
                    Name = "telemetry",
                    Input = new DatasetSpec { Location = input, Include = ["**/*"] },
                    Stages = [new StageSpec { Pipeline = module }],
                    Output = new OutputSpec { Location = temp.Combine($"out-{r}-{exported}") },
                }).ConfigureAwait(false);
                traces?.ForceFlush();
                meters?.ForceFlush();
                var used = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"telemetry {(exported ? "exported" : "off")} run {r}: {time:F0} ms, CPU {used:F0} ms"));
                Directory.Delete(temp.Combine($"out-{r}-{exported}"), recursive: true); // every run starts from the same files
                if (r >= 0)
                {
                    (exported ? on : off).Add(time);
                    (exported ? onCpu : offCpu).Add(used);
                }
            }
        }

        var ratio = JobBenchmarks.Median([.. off.Zip(on, (a, b) => a / b)]);
        var cpuRatio = JobBenchmarks.Median([.. offCpu.Zip(onCpu, (a, b) => a / b)]);
        Write(markdownPath, (JobBenchmarks.Median(off), JobBenchmarks.Median(offCpu)), (JobBenchmarks.Median(on), JobBenchmarks.Median(onCpu)), (ratio, cpuRatio), Interlocked.Read(ref exports));
    }

    private static void Write(string markdownPath, (double Time, double Cpu) off, (double Time, double Cpu) on, (double Time, double Cpu) ratio, long exports)
    {
        var section = new StringBuilder()
            .AppendLine("## Telemetry: a job with metrics and traces exported, against none")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run telemetry` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, OpenTelemetry 1.20.1. The embedded cluster (concurrency {Environment.ProcessorCount}) runs {Items:N0} 4×4 uint8 images through the project's `negate` WASI module (tiny items, so that the per-item cost of telemetry shows), once with nothing listening and once with OpenTelemetry's SDK exporting the `ItkWasmCluster` and `Microsoft.Orleans` meters every second (Orleans' per-message and per-lookup instruments dropped, as a silo does: `SiloTelemetry.OrleansHotPath`) and the `ItkWasmCluster` spans (five per item: the item, the attempt on the silo that runs it, its stage, its blob read and write) over OTLP HTTP/protobuf to a local endpoint that drops them ({exports:N0} exports received in all); after {WarmUps} whole warm-up runs of each, {Repeats} pairs of runs (the order within a pair alternating); the times are medians, the ratios are medians of the pairs' ratios (none ÷ exported). Wall time on this shared 2-core machine varies by ±20% from run to run, more than the effect; the process's CPU time (user + system, the in-process endpoint's share included) is the steadier measure of what telemetry costs."))
            .AppendLine()
            .AppendLine("| telemetry | job time | process CPU time | throughput ratio (wall) | CPU-time ratio | target |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | --- |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| none | {off.Time / 1000:F2} s | {off.Cpu / 1000:F2} s | 1 | 1 | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| metrics and traces exported | {on.Time / 1000:F2} s | {on.Cpu / 1000:F2} s | {ratio.Time:F3}× | {ratio.Cpu:F3}× | ≥ 0.97× |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "telemetry", section);
    }
}
