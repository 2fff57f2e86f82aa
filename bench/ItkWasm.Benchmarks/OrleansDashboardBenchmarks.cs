using System.Globalization;
using System.Text;
using ItkWasmCluster.Client;
using ItkWasmCluster.Jobs;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The cost of Orleans' dashboard, which times every grain call on a silo for its statistics: the same job of tiny
/// items on a silo process serving it (the default) and on one started with <c>--orleans-dashboard false</c>, each
/// its own one-silo cluster in one Redis, alternating.
/// </summary>
public static class OrleansDashboardBenchmarks
{
    private const int Items = 2_000;
    private const int Repeats = 10;
    private const int WarmUps = 2;

    public static async Task RunAsync(string markdownPath)
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        ClusterBenchmarks.WriteTinyImages(input, Items);

        using var store = StoreServer.Redis();
        var concurrency = Environment.ProcessorCount;
        using var on = await SiloProcess.StartAsync(store, $"dashboard-on-{Guid.NewGuid():N}", concurrency).ConfigureAwait(false);
        using var off = await SiloProcess.StartAsync(store, $"dashboard-off-{Guid.NewGuid():N}", concurrency, "--orleans-dashboard", "false").ConfigureAwait(false);
        using var onClient = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(on.Url), Token = SiloProcess.Token });
        using var offClient = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(off.Url), Token = SiloProcess.Token });
        var module = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm");
        var (times, ratios) = ((On: new List<double>(), Off: new List<double>()), new List<double>());
        for (var r = -WarmUps; r < Repeats; r++)
        {
            var pair = new Dictionary<bool, double>();
            foreach (var dashboard in r % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var output = temp.Combine($"out-{r}-{dashboard}");
                var spec = new JobSpec
                {
                    Name = $"dashboard-{r}-{dashboard}",
                    Input = new DatasetSpec { Location = input, Include = ["**/*"] },
                    Stages = [new StageSpec { Pipeline = module }],
                    Output = new OutputSpec { Location = output },
                };
                pair[dashboard] = await ClusterBenchmarks.RemoteJobAsync(dashboard ? onClient : offClient, spec).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"dashboard {(dashboard ? "on" : "off")} run {r}: {pair[dashboard]:F0} ms"));
                Directory.Delete(output, recursive: true);
            }

            if (r >= 0)
            {
                (times.On, times.Off) = (times.On.Append(pair[true]).ToList(), times.Off.Append(pair[false]).ToList());
                ratios.Add(pair[false] / pair[true]);
            }
        }

        var section = new StringBuilder()
            .AppendLine("## Orleans' dashboard: a silo serving it, against one without")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run dashboard` on {Environment.ProcessorCount} logical cores. Two silo processes (concurrency {concurrency}), each its own cluster in one Redis: one with Orleans' dashboard (the default: it times every grain call for its statistics), one started with `--orleans-dashboard false`. Each runs the same job of {Items:N0} 4×4 uint8 images through the `negate` WASI module, submitted over the HTTP API; the time is from submission to the job's end. After {WarmUps} warm-up pairs, {Repeats} pairs, the order alternating; times are medians, the ratio the median of the pairs' ratios (without ÷ with). No browser has the dashboard open."))
            .AppendLine()
            .AppendLine("| silo | job time | throughput ratio |")
            .AppendLine("| --- | ---: | ---: |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| `--orleans-dashboard false` | {JobBenchmarks.Median(times.Off) / 1000:F2} s | 1 |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| Orleans' dashboard served (default) | {JobBenchmarks.Median(times.On) / 1000:F2} s | {JobBenchmarks.Median(ratios):F3}× |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "orleans-dashboard", section);
    }
}
