using System.Diagnostics.Metrics;
using ItkWasmCluster.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ItkWasmCluster.Silo;

/// <summary>
/// A silo's OpenTelemetry: metrics from the cluster's meter (<see cref="ClusterTelemetry"/>), Orleans'
/// (<c>Microsoft.Orleans</c>), ASP.NET Core's and the .NET runtime's, served for Prometheus at <c>/metrics</c> (behind
/// the bearer token, like the rest); and, when an OTLP endpoint is configured, metrics and traces (the cluster's spans
/// and ASP.NET Core's request spans) sent there. OTLP is configured with OpenTelemetry's own
/// environment variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or <c>_TRACES_</c>/<c>_METRICS_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>, …); with none, nothing is sent and no span is recorded.
/// </summary>
public static class SiloTelemetry
{
    /// <summary>The service name spans and metrics carry unless <c>OTEL_SERVICE_NAME</c> sets another.</summary>
    public const string ServiceName = "itkwasm-silo";

    /// <summary>Adds the providers and exporters to <paramref name="builder"/>; <paramref name="instance"/> names the
    /// silo (its <c>service.instance.id</c>).</summary>
    internal static void AddItkWasmTelemetry(this WebApplicationBuilder builder, string instance)
    {
        var configuration = builder.Configuration;
        bool Set(string name) => !string.IsNullOrWhiteSpace(configuration[name] ?? Environment.GetEnvironmentVariable(name));
        var otlp = Set("OTEL_EXPORTER_OTLP_ENDPOINT");
        var otlpTraces = otlp || Set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        var otlpMetrics = otlp || Set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceInstanceId: instance))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ClusterTelemetry.Name, "Microsoft.Orleans")
                    .AddView(instrument => OrleansHotPath(instrument) ? MetricStreamConfiguration.Drop : null)
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlpMetrics)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlpTraces)
        {
            // The cluster's own spans, which carry an item's trace from silo to silo in its request; Orleans' grain-call
            // spans (two per call, timers and progress reports included) are left out, as are scrapes and health checks.
            telemetry.WithTracing(tracing => tracing
                .AddSource(ClusterTelemetry.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/healthz"))
                .AddOtlpExporter());
        }
    }

    /// <summary>Whether <paramref name="instrument"/> is one of Orleans' hot-path instruments, which are left out: the
    /// per-message ones (message and header sizes, dispatcher and inbound counts, local sends, request latency) and the
    /// grain directory's per-lookup and per-registration counters. Recorded on every grain call, they cost several
    /// percent of a job of tiny items (BENCHMARKS.md), and the cluster's own instruments measure the work. Failures,
    /// drops, timeouts, activations, storage latency, the directory's sizes and the rest of Orleans' meter stay.</summary>
    public static bool OrleansHotPath(Instrument instrument)
    {
        ArgumentNullException.ThrowIfNull(instrument);
        return instrument.Meter.Name == "Microsoft.Orleans"
               && (instrument.Name is "orleans-messaging-sent-messages-size" or "orleans-messaging-received-messages-size"
                       or "orleans-messaging-sent-header-size" or "orleans-messaging-received-header-size"
                       or "orleans-messaging-processing-dispatcher-received" or "orleans-messaging-processing-dispatcher-processed"
                       or "orleans-messaging-processing-ima-received" or "orleans-messaging-processing-ima-enqueued"
                       or "orleans-messaging-processing-activation-data" or "orleans-messaging-sent-local" or "orleans-app-requests-latency"
                   || instrument.Name.StartsWith("orleans-directory-lookups-", StringComparison.Ordinal)
                   || instrument.Name.StartsWith("orleans-directory-registrations", StringComparison.Ordinal)
                   || instrument.Name.StartsWith("orleans-directory-unregistrations", StringComparison.Ordinal)
                   || instrument.Name.StartsWith("orleans-directory-validations", StringComparison.Ordinal));
    }

    /// <summary>Maps the Prometheus scrape endpoint, <c>/metrics</c>.</summary>
    internal static void MapItkWasmTelemetry(this WebApplication app) => app.MapPrometheusScrapingEndpoint("/metrics");
}
