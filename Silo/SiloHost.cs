using ItkWasm.Downsample.Accelerated;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Storage.Blobs;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace ItkWasmCluster.Silo;

/// <summary>
/// Builds a silo: an Orleans silo in the cluster store the settings name (Azure Storage or Redis: membership, grain
/// state, reminders), with the job, partition and worker grains over this process's pipeline runtime, the HTTP API
/// under <c>/api/</c>, the job dashboard under <c>/</c> (<see cref="Dashboard.DashboardPages"/>), the Prometheus metrics
/// at <c>/metrics</c> (<see cref="SiloTelemetry"/>) and Orleans' dashboard at <c>/dashboard</c>, all behind the token (<see cref="TokenAuthentication"/>), and <c>/healthz</c>, served from the
/// grains. Any silo accepts any
/// request.
/// </summary>
public static class SiloHost
{
    /// <summary>The prefix of the environment variables that set a silo's options.</summary>
    public const string EnvironmentPrefix = "ITKWASM_SILO_";

    private const string ReadyTag = "ready";

    /// <summary>
    /// Adds the silo to <paramref name="builder"/>: reads <see cref="ItkWasmSiloOptions"/> from its configuration (with the
    /// <c>ITKWASM_SILO_</c> environment variables) and validates them, then configures Orleans, the runtime and the
    /// web server. Call <see cref="MapItkWasmCluster"/> on the built application.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid; the message names it.</exception>
    public static ItkWasmSiloOptions AddItkWasmCluster(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Configuration.Sources.OfType<EnvironmentVariablesConfigurationSource>().Any(s => s.Prefix == EnvironmentPrefix))
        {
            builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        }

        var options = ItkWasmSiloOptions.FromConfiguration(builder.Configuration);
        options.Validate();
        BlobStores stores;
        try
        {
            stores = new BlobStores(options.Storage);
        }
        catch (BlobLocationException e)
        {
            throw new ArgumentException(e.Message, e);
        }

        builder.WebHost.UseUrls(options.Urls.Split(';'));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // A start that fails is reported by whoever started the host (StartAsync: a setting found invalid, named in one
        // line), not logged with its stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddSingleton(options);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SiloReadiness>().AddHealthChecks().AddCheck<SiloReadiness>("cluster", tags: [ReadyTag]);
        TokenAuthentication.AddSessions(builder.Services);
        builder.Services.AddSingleton(stores); // opened (and so checked) above, with a message naming the setting
        builder.AddItkWasmTelemetry($"{options.ClusterId}/{options.AdvertisedAddress?.ToString() ?? System.Net.Dns.GetHostName()}:{options.SiloPort}");
        builder.UseOrleans(silo =>
        {
            silo.UseItkWasmClusterStore(options.ClusterStore)
                .AddPipelineOverrides<DownsampleOverridePackage>()
                .AddItkWasmCluster(o => (o.ComputeSlots, o.Capabilities) = (options.Concurrency, [.. options.Capabilities]))
                .Configure<ClusterMembershipOptions>(o => (o.ProbeTimeout, o.NumMissedProbesLimit) = (options.ProbeTimeout, options.MissedProbes))
                .Configure<EndpointOptions>(o =>
                {
                    o.SiloPort = options.SiloPort;
                    o.GatewayPort = options.GatewayPort;
                    if (options.AdvertisedAddress is { } address)
                    {
                        o.AdvertisedIPAddress = address;
                    }
                });
            if (options.OrleansDashboard)
            {
                silo.AddDashboard(o => o.HideTrace = true); // Orleans' dashboard at /dashboard, without its live log stream
            }

            if (options.Kubernetes)
            {
                // The API as kubectl finds it: $KUBECONFIG or ~/.kube/config when there is one (a silo run outside the
                // cluster), else the pod's service account.
                silo.UseKubernetesHosting(o => o.Configure(k => k.GetClientConfiguration = KubernetesApi));
            }
        });
        return options;
    }

    /// <summary>Maps <c>/healthz</c> and the API, behind the bearer token and the answer of 503 while the cluster
    /// cannot serve.</summary>
    public static WebApplication MapItkWasmCluster(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<SecurityHeaders>();
        app.UseRateLimiter();
        app.UseMiddleware<TokenAuthentication>();
        app.UseMiddleware<ClusterUnavailableMiddleware>();
        // Liveness: the process serves. Readiness: it has joined the cluster and the store answers (SiloReadiness).
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteHealthAsync });
        var options = app.Services.GetRequiredService<ItkWasmSiloOptions>();
        TokenAuthentication.Map(app, options);
        Dashboard.DashboardPages.Map(app, options.OrleansDashboard);
        if (options.OrleansDashboard)
        {
            app.MapOrleansDashboard(routePrefix: "/dashboard");
        }
        app.MapItkWasmTelemetry();
        JobsApi.Map(app);
        return app;
    }

    /// <summary>Runs a silo with the settings of the environment and <paramref name="settings"/> (which override
    /// it), writes a line to <paramref name="log"/> once it serves, and runs until <paramref name="cancellationToken"/>
    /// is cancelled or the process is asked to stop (SIGTERM, Ctrl-C); then the silo leaves the cluster gracefully and
    /// its items run elsewhere.</summary>
    /// <exception cref="ArgumentException">A setting is missing or invalid; the message names it.</exception>
    public static async Task RunAsync(IReadOnlyDictionary<string, string?> settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix);
        builder.Configuration.AddInMemoryCollection(settings.Where(s => s.Value is not null)); // the command line wins
        var options = builder.AddItkWasmCluster();
        await using var app = builder.Build();
        app.MapItkWasmCluster();
        await StartAsync(app, cancellationToken).ConfigureAwait(false);
        await log.WriteLineAsync($"silo {app.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress} of cluster {options.ClusterId} serving on {options.Urls}").ConfigureAwait(false);
        await log.FlushAsync(cancellationToken).ConfigureAwait(false);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Starts <paramref name="app"/>, a silo built by <see cref="AddItkWasmCluster"/>; settings found invalid
    /// as it starts (<see cref="ItkWasmClusterOptions"/>) are reported as the silo's own settings.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OptionsValidationException e)
        {
            throw new ArgumentException(string.Join("; ", e.Failures).Replace($"{ItkWasmClusterOptions.SectionName}:Capabilities", "--capability (ITKWASM_SILO_CAPABILITIES)", StringComparison.Ordinal), e);
        }
    }

    // The Kubernetes API's configuration, or a message that names the setting when there is none that works.
    private static KubernetesClientConfiguration KubernetesApi()
    {
        try
        {
            return KubernetesClientConfiguration.BuildDefaultConfig();
        }
        catch (k8s.Exceptions.KubeConfigException e)
        {
            throw new ArgumentException($"--kubernetes (ITKWASM_SILO_KUBERNETES) needs the Kubernetes API: run in a pod with a service account, or set KUBECONFIG ({e.Message})", e);
        }
    }

    // "ready", or "not ready: CODE" (SiloReadiness' codes), so that a probe's failure in `kubectl describe pod` says what
    // is wrong without showing an unauthenticated caller the store's errors.
    private static Task WriteHealthAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsync(report.Status == HealthStatus.Healthy
            ? "ready"
            : "not ready: " + string.Join(", ", report.Entries.Values.Select(e => e.Description ?? "unknown")));
}
