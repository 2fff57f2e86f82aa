using System.Net;
using System.Net.Http.Headers;
using ItkWasmCluster.Client;
using ItkWasmCluster.Jobs;
using Xunit.Abstractions;

namespace ItkWasmCluster.Silo.Tests.Telemetry;

/// <summary>Two real silo processes on Redis exporting to a stand-in OTLP collector (<see cref="OtlpReceiver"/>) and
/// serving <c>/metrics</c>, scraped by a real Prometheus server (Debian's <c>prometheus</c>).</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Processes")]
public sealed class SiloTelemetryTests(ITestOutputHelper log) : IDisposable
{
    private const int Items = 24;
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task AJobOnTwoSilos_ExportsEachItemsTraceWholeAcrossSilos_AndItsCountsToPrometheus()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        using var store = StoreServer.Redis();
        var cluster = $"otel-{Guid.NewGuid():N}";
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        };
        using var first = await SiloProcess.StartAsync(store, cluster, environment, concurrency: 2);
        using var second = await SiloProcess.StartAsync(store, cluster, environment, concurrency: 2);
        using var prometheus = PrometheusServer.Start(temp.Combine("prometheus"), [first.Url, second.Url], SiloProcess.Token);

        using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(first.Url), Token = SiloProcess.Token });
        var job = await client.SubmitJobAsync(Spec());
        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(JobState.Succeeded, summary.State);
        Assert.Equal(2, summary.Items.Select(i => i.Silo).Distinct().Count());

        // Every item's trace: its item span (on the silo of its partition) is an ancestor of its stage span (on the silo
        // that ran it), through Orleans' grain-call spans; some items ran on the other silo.
        var crossing = 0;
        var seen = string.Empty;
        await Eventually.UntilAsync(() =>
        {
            var spans = receiver.Spans.ToArray();
            var byId = spans.ToDictionary(s => s.SpanId);
            var items = spans.Where(s => s.Name == "item" && s.Attributes.GetValueOrDefault("itkwasm.job.id") == job.Id).ToList();
            var stages = spans.Where(s => s.Name == "stage").ToList();
            var whole = items.Select(item => stages.FirstOrDefault(s => s.TraceId == item.TraceId && AncestorOf(item, s, byId))).ToList();
            crossing = items.Zip(whole).Count(p => p.Second is not null && p.Second.Resource["service.instance.id"] != p.First.Resource["service.instance.id"]);
            var broken = items.Zip(whole).FirstOrDefault(p => p.Second is null).First;
            var trail = broken is null ? string.Empty : string.Join(" | ", spans.Where(s => s.TraceId == broken.TraceId).Select(s => $"{s.Name} {s.SpanId}<-{s.ParentSpanId} @{s.Resource["service.instance.id"]}"));
            seen = $"broken: {trail}; {items.Count} item spans, {whole.Count(s => s is not null)} with their stage span; received {string.Join(", ", spans.GroupBy(s => s.Name).Select(g => $"{g.Key} ×{g.Count()}"))}";
            return Task.FromResult(items.Count == Items && whole.All(s => s is not null) && spans.Any(s => s.Name == "job.submit" && s.Attributes.GetValueOrDefault("itkwasm.job.id") == job.Id));
        }, () => $"every item's trace with its stage span, and the submission's span ({seen})", TimeSpan.FromSeconds(60));
        Assert.True(crossing > 0, "no item's stage ran on the other silo than its item span");
        var stage = receiver.Spans.First(s => s.Name == "stage");
        Assert.Equal("wasm", stage.Attributes["itkwasm.implementation"]);
        Assert.StartsWith("sha256:", stage.Attributes["itkwasm.module.hash"], StringComparison.Ordinal);
        Assert.Contains(receiver.Spans, s => s.Name == "blob.read" && s.TraceId == stage.TraceId);
        Assert.Contains(receiver.Spans, s => s.Name == "blob.write" && s.TraceId == stage.TraceId);
        log.WriteLine($"{receiver.Spans.Count} spans; {crossing} of {Items} items ran on the other silo");

        // /metrics: the token or nothing. Each silo counts the items its own partitions finished; Prometheus scrapes both
        // with the token, and its query API sums them to the job's count.
        using var http = new HttpClient { BaseAddress = new Uri(first.Url) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/metrics")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.Token);
        var text = await http.GetStringAsync("/metrics");
        Assert.Contains("itkwasm_stage_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("orleans_catalog_activation", text, StringComparison.Ordinal); // Orleans' meter, without its hot path
        Assert.DoesNotContain("orleans_messaging_sent_messages_size", text, StringComparison.Ordinal);
        double scraped = 0;
        await Eventually.UntilAsync(async () =>
        {
            scraped = await prometheus.QueryAsync($"sum(itkwasm_items_completed_total{{itkwasm_job_id=\"{job.Id}\"}})") ?? 0;
            return scraped >= Items;
        }, () => $"Prometheus to scrape the items counters to {Items} (at {scraped})", TimeSpan.FromSeconds(60));
        Assert.Equal(Items, scraped);
    }

    private static bool AncestorOf(ReceivedSpan ancestor, ReceivedSpan span, Dictionary<string, ReceivedSpan> byId)
    {
        for (var at = span; byId.TryGetValue(at.ParentSpanId, out var parent); at = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    private JobSpec Spec()
    {
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        Eventually.WriteRandomImages(input, Items, 8, digits: 2);

        return new JobSpec
        {
            Name = "telemetry",
            Input = new DatasetSpec { Location = input },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = ["--sleep-ms", "150"] }],
            Output = new OutputSpec { Location = temp.Combine("out") },
        };
    }
}
