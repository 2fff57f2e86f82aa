using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasmCluster.Storage.JobStores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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
        builder.Services.AddSingleton<IWasmRuntime>(_ => new NodeWasmRuntime(new NodeWasmRuntimeOptions { MaxConcurrency = options.Concurrency }));
        builder.Services.AddHostedService<SiloService>();
        var app = builder.Build();
        app.UseMiddleware<BearerTokenMiddleware>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        JobsApi.Map(app);
        return app;
    }

    /// <summary>Initializes the schema, then runs the silo until <paramref name="cancellationToken"/> is cancelled.</summary>
    public static async Task RunAsync(SiloOptions options, CancellationToken cancellationToken = default)
    {
        await using var app = Build(options);
        await app.Services.GetRequiredService<PostgresJobStore>().InitializeAsync(cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }
}
