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
/// the bearer token, like the rest); and, when an OTLP endpoint is configured, metrics and traces (the cluster's spans,
/// Orleans' application grain-call spans and ASP.NET Core's request spans) sent there. OTLP is configured with OpenTelemetry's own
/// environment variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or <c>_TRACES_</c>/<c>_METRICS_ENDPOINT</c>,
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c>, …); with none, nothing is sent and no span is recorded.
/// </summary>
internal static class SiloTelemetry
{
    /// <summary>The service name spans and metrics carry unless <c>OTEL_SERVICE_NAME</c> sets another.</summary>
    public const string ServiceName = "itkwasm-silo";

    /// <summary>Adds the providers and exporters to <paramref name="builder"/>; <paramref name="instance"/> names the
    /// silo (its <c>service.instance.id</c>).</summary>
    public static void AddItkWasmTelemetry(this WebApplicationBuilder builder, string instance)
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
            // Orleans' application grain calls carry the traces from silo to silo; its runtime's own calls (membership
            // probes, directory, statistics: hundreds a minute) are left out, as are scrapes and health checks.
            telemetry.WithTracing(tracing => tracing
                .AddSource(ClusterTelemetry.Name, "Microsoft.Orleans.Application")
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/metrics") && !context.Request.Path.StartsWithSegments("/healthz"))
                .AddOtlpExporter());
        }
    }

    /// <summary>Maps the Prometheus scrape endpoint, <c>/metrics</c>.</summary>
    public static void MapItkWasmTelemetry(this WebApplication app) => app.MapPrometheusScrapingEndpoint("/metrics");
}
