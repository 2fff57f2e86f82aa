using ItkWasm.Runtime;
using ItkWasmCluster.Storage.JobStores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Silo;

/// <summary>
/// Builds a silo: the HTTP API under <c>/api/</c> (bearer token required) and <c>/healthz</c>, the work loop and the
/// heartbeats, on the shared PostgreSQL job store (schema created or migrated at start). Any silo accepts any request;
/// all state lives in PostgreSQL.
/// </summary>
public static class SiloHost
{
    /// <summary>Builds the web application for <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public static WebApplication Build(SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(options.Urls.Split(';'));
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => new PostgresJobStore(options.Postgres!));
        builder.Services.AddSingleton<IWasmRuntime>(_ => new WasmRuntime(new WasmRuntimeOptions { ComputeSlots = options.Concurrency }));
        builder.Services.AddHostedService<SiloService>();
        var app = builder.Build();
        app.UseMiddleware<BearerTokenMiddleware>();
        app.UseMiddleware<StoreOutageMiddleware>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        JobsApi.Map(app);
        return app;
    }

    /// <summary>Initializes the schema, starts the silo, writes a line to <paramref name="log"/> once it listens, and
    /// runs until <paramref name="cancellationToken"/> is cancelled; then running tasks are given back.</summary>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public static async Task RunAsync(SiloOptions options, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        await using var app = Build(options);
        await app.Services.GetRequiredService<PostgresJobStore>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        await log.WriteLineAsync($"silo {options.NodeId} listening on {options.Urls}").ConfigureAwait(false);
        await log.FlushAsync(cancellationToken).ConfigureAwait(false);
        // Stop on the caller's cancellation or on the host's own SIGTERM/SIGINT handling, whichever comes first.
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
}
