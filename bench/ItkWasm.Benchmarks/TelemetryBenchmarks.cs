using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The cost of telemetry: the same embedded job with the cluster's metrics and traces exported (OpenTelemetry's SDK,
/// the OTLP exporter over HTTP/protobuf to a collector process that takes and drops the exports; metrics every second,
/// spans in the SDK's batches) against none, alternating.
/// </summary>
public static class TelemetryBenchmarks
{
    private const int Items = 2_000;
    private const int Repeats = 25;
    private const int WarmUps = 2;

    public static async Task RunAsync(string markdownPath)
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        ClusterBenchmarks.WriteTinyImages(input, Items);

        // The collector is another process, as in a deployment: a Node.js endpoint that takes the exports, drops them and
        // counts them. So the job's process pays only for recording and sending.
        var port = Ports.Free();
        var endpoint = $"http://127.0.0.1:{port}";
        using var collector = Process.Start(new ProcessStartInfo("node", ["-e", CollectorScript, port.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardOutput = true })!;
        if (await collector.StandardOutput.ReadLineAsync().ConfigureAwait(false) != "listening")
        {
            throw new InvalidOperationException("the collector did not start");
        }

        try
        {
            await RunPairsAsync(markdownPath, temp, input, endpoint).ConfigureAwait(false);
        }
        finally
        {
            collector.Kill();
        }
    }

    // Answers POST /v1/{signal} with an empty success, and GET with how many exports it took.
    private const string CollectorScript = """
        let n = 0;
        require('http').createServer((q, s) => {
          q.resume();
          q.on('end', () => {
            if (q.method === 'GET') { s.end(String(n)); return; }
            n++;
            s.writeHead(200, { 'content-type': 'application/x-protobuf' });
            s.end();
          });
        }).listen(+process.argv[1], '127.0.0.1', () => console.log('listening'));
        """;

    private static async Task RunPairsAsync(string markdownPath, TempDirectory temp, string input, string endpoint)
    {
        var module = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm");
        var concurrency = Environment.ProcessorCount;
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = concurrency });
        var results = Configurations.ToDictionary(c => c, _ => (Time: new List<double>(), Cpu: new List<double>()));
        for (var r = -WarmUps; r < Repeats; r++)
        {
            // The configurations in rotating order, so that drift within a round cancels out.
            for (var k = 0; k < Configurations.Length; k++)
            {
                var configuration = Configurations[(k + r + WarmUps) % Configurations.Length];
                using var meters = configuration == Configuration.None ? null : Sdk.CreateMeterProviderBuilder().AddMeter(ClusterTelemetry.Name, "Microsoft.Orleans")
                    .AddView(instrument => ItkWasmCluster.Silo.SiloTelemetry.OrleansHotPath(instrument) ? MetricStreamConfiguration.Drop : null)
                    .AddOtlpExporter((o, reader) => (o.Endpoint, o.Protocol, reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds) = (new Uri($"{endpoint}/v1/metrics"), OtlpExportProtocol.HttpProtobuf, 1000))
                    .Build();
                using var traces = configuration == Configuration.None ? null : Sdk.CreateTracerProviderBuilder().AddSource(ClusterTelemetry.Name)
                    .SetSampler(configuration == Configuration.Sampled ? new ParentBasedSampler(new TraceIdRatioBasedSampler(0.1)) : new ParentBasedSampler(new AlwaysOnSampler()))
                    .AddOtlpExporter(o => (o.Endpoint, o.Protocol) = (new Uri($"{endpoint}/v1/traces"), OtlpExportProtocol.HttpProtobuf))
                    .Build();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes();
                var output = temp.Combine($"out-{r}-{configuration}");
                var (time, _) = await JobBenchmarks.RunJobAsync(cluster, new JobSpec
                {
                    Name = "telemetry",
                    Input = new DatasetSpec { Location = input, Include = ["**/*"] },
                    Stages = [new StageSpec { Pipeline = module }],
                    Output = new OutputSpec { Location = output },
                }).ConfigureAwait(false);
                traces?.ForceFlush();
                meters?.ForceFlush();
                var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"telemetry {configuration} run {r}: {time:F0} ms, CPU {used:F0} ms, {(GC.GetTotalAllocatedBytes() - allocated) / 1e6:F0} MB allocated"));
                Directory.Delete(output, recursive: true); // every run starts from the same files
                if (r >= 0)
                {
                    results[configuration].Time.Add(time);
                    results[configuration].Cpu.Add(used);
                }
            }
        }

        using var http = new HttpClient();
        var exports = long.Parse(await http.GetStringAsync(endpoint).ConfigureAwait(false), CultureInfo.InvariantCulture);
        var none = results[Configuration.None];
        Write(markdownPath, [.. Configurations.Select(c => (c, JobBenchmarks.Median(results[c].Time), JobBenchmarks.Median(results[c].Cpu),
            JobBenchmarks.Median([.. none.Time.Zip(results[c].Time, (a, b) => a / b)]), JobBenchmarks.Median([.. none.Cpu.Zip(results[c].Cpu, (a, b) => a / b)])))], exports);
    }

    private enum Configuration
    {
        None,
        Exported,
        Sampled,
    }

    private static readonly Configuration[] Configurations = Enum.GetValues<Configuration>();

    private static void Write(string markdownPath, (Configuration Configuration, double Time, double Cpu, double Ratio, double CpuRatio)[] rows, long exports)
    {
        var section = new StringBuilder()
            .AppendLine("## Telemetry: a job with metrics and traces exported, against none")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run telemetry` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, OpenTelemetry 1.20.1. The embedded cluster (concurrency {Environment.ProcessorCount}) runs {Items:N0} 4×4 uint8 images through the project's `negate` WASI module: tiny items, so that the per-item cost of telemetry shows. It runs once with nothing listening, and twice with OpenTelemetry's SDK exporting over OTLP HTTP/protobuf to a collector in another process (a Node.js endpoint that drops what it gets; {exports:N0} exports received in all). Both exporting runs send the `ItkWasmCluster` and `Microsoft.Orleans` meters every second, with Orleans' per-message and per-lookup instruments dropped as a silo does (`SiloTelemetry.OrleansHotPath`). One sends the `ItkWasmCluster` spans of every item (four per item: the item, its stage, its blob read and its blob write). The other keeps one item trace in ten, chosen by trace id (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1` on a silo). After {WarmUps} warm-up rounds, {Repeats} rounds of the three, the order rotating. Times are medians; ratios are medians of each round's ratio (none ÷ exported). Wall time on this shared 2-core machine varies by ±20% from run to run, more than the effect, so the job process's CPU time (user + system) is the steadier measure."))
            .AppendLine()
            .AppendLine("| telemetry | job time | process CPU time | throughput ratio (wall) | CPU-time ratio | target |")
            .AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var (configuration, time, cpu, ratio, cpuRatio) in rows)
        {
            var name = configuration switch
            {
                Configuration.None => "none",
                Configuration.Exported => "metrics, and every item's spans",
                _ => "metrics, and one item trace in ten",
            };
            var target = configuration == Configuration.None ? string.Empty : "≥ 0.97×";
            section.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {time / 1000:F2} s | {cpu / 1000:F2} s | {ratio:F3}× | {cpuRatio:F3}× | {target} |"));
        }

        BenchmarkReport.WriteSection(markdownPath, "telemetry", section.ToString());
    }
}
