using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Telemetry;

namespace ItkWasmCluster.Grains.Tests.Telemetry;

/// <summary>The cluster's instruments and spans on the embedded cluster, read with .NET's own listeners: what a job
/// counts, by its job id (other tests' jobs run in the same process).</summary>
[Collection("Cluster")]
public sealed class ClusterMetricsTests
{
    [Fact]
    public async Task AJob_CountsItsItemsAttemptsAndBytes_AndEachStageSpanDescendsFromItsItemSpan()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        foreach (var file in new[] { "itk-wasm/cthead1.png", "itk-wasm/tooth.nrrd", "itk-wasm/cthead1-rgb.iwi.cbor" })
        {
            File.Copy(SharedData.Path(file), Path.Combine(input, Path.GetFileName(file)));
        }

        var spec = ClusterFixture.Downsample(input, temp.Combine("out")) with { Retries = 1 };
        var job = JobIds.For(spec);
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Job, string? Implementation)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ClusterTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, value, tags, _) => measurements.Enqueue((i.Name, value, Tag(tags, ClusterTelemetry.JobId), Tag(tags, ClusterTelemetry.Implementation))));
        meters.SetMeasurementEventCallback<double>((i, value, tags, _) => measurements.Enqueue((i.Name, value, Tag(tags, ClusterTelemetry.JobId), Tag(tags, ClusterTelemetry.Implementation))));
        meters.Start();
        var spans = new ConcurrentQueue<Activity>();
        using var tracing = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ClusterTelemetry.Name or "Microsoft.Orleans.Application",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(tracing);

        var summary = await ClusterFixture.RunAsync(spec);

        var succeeded = summary.Items.Where(i => i.Status == ItemStatus.Succeeded).ToList();
        var failed = summary.Items.Where(i => i.Status == ItemStatus.Failed).ToList();
        Assert.Equal(2, succeeded.Count);
        Assert.Single(failed); // the RGB image: the module takes no RGB pixels, and no override takes it
        double Sum(string instrument) => measurements.Where(m => m.Instrument == instrument && m.Job == job).Sum(m => m.Value);
        int Count(string instrument) => measurements.Count(m => m.Instrument == instrument && m.Job == job);
        Assert.Equal(2, Sum("itkwasm.items.completed"));
        Assert.Equal(1, Sum("itkwasm.items.failed"));
        Assert.Equal(0, Sum("itkwasm.items.retried")); // the module's error exit would recur: not retried
        Assert.Equal(3, Count("itkwasm.item.duration")); // every attempt
        Assert.Equal(succeeded.Sum(i => new FileInfo(Path.Combine(temp.Combine("out"), i.Output)).Length), Sum("itkwasm.io.written"));
        Assert.Equal(succeeded.Sum(i => new FileInfo(Path.Combine(input, i.Input)).Length) + new FileInfo(Path.Combine(input, "cthead1-rgb.iwi.cbor")).Length, Sum("itkwasm.io.read")); // the failed item read once
        Assert.Contains(measurements, m => m.Instrument == "itkwasm.stage.runs" && m.Implementation == (Vector.IsHardwareAccelerated ? "simd" : "wasm"));

        var all = spans.ToArray();
        var items = all.Where(s => s.OperationName == "item" && (string?)s.GetTagItem(ClusterTelemetry.JobId) == job).ToList();
        Assert.Equal(3, items.Count); // a span per attempt
        Assert.Equal(1, items.Count(s => s.Status == ActivityStatusCode.Error));
        foreach (var item in items.Where(s => s.Status != ActivityStatusCode.Error))
        {
            // The stage and the transfers are the item span's children (named as parents, never the current activity). The
            // stage runs once, after a probe run for its result's grid where the silo has not seen the input's grid.
            var stages = all.Where(s => s.OperationName == "stage" && s.TraceId == item.TraceId).ToList();
            Assert.InRange(stages.Count, 1, 2);
            Assert.All(stages, stage => Assert.Equal(item.SpanId, stage.ParentSpanId));
            Assert.Equal(item.SpanId, Assert.Single(all, s => s.OperationName == "blob.write" && s.TraceId == item.TraceId).ParentSpanId);
            Assert.Equal(item.SpanId, Assert.Single(all, s => s.OperationName == "blob.read" && s.TraceId == item.TraceId).ParentSpanId);
        }
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == name)
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
