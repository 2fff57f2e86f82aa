using System.CommandLine;
using System.Globalization;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Silo;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster silo --postgres CONNSTR --urls URL --token TOKEN [--concurrency N] [--lease S] [--capability C]</c>:
/// runs a cluster node until SIGINT or SIGTERM, when it gives its running tasks back. Every option falls back to an
/// <c>ITKWASM_SILO_*</c> environment variable.
/// </summary>
internal static class SiloCommand
{
    public static Command Create(TextWriter stdout)
    {
        var defaults = new SiloOptions();
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (ITKWASM_SILO_POSTGRES).", DefaultValueFactory = _ => Env("POSTGRES") };
        var urls = new Option<string>("--urls") { Description = "Where the HTTP API listens, ';'-separated (ITKWASM_SILO_URLS).", DefaultValueFactory = _ => Env("URLS") ?? defaults.Urls };
        var token = new Option<string?>("--token") { Description = "Bearer token every /api request must carry, ≥ 16 characters (ITKWASM_SILO_TOKEN).", DefaultValueFactory = _ => Env("TOKEN") };
        var concurrency = new Option<int>("--concurrency") { Description = "Tasks at once (ITKWASM_SILO_CONCURRENCY; default: processor count).", DefaultValueFactory = _ => EnvInt("CONCURRENCY") ?? defaults.Concurrency };
        var lease = new Option<int>("--lease") { Description = "Task lease in seconds (ITKWASM_SILO_LEASE; default 30).", DefaultValueFactory = _ => EnvInt("LEASE") ?? (int)defaults.LeaseDuration.TotalSeconds };
        var capability = new Option<string[]>("--capability") { Description = "A capability of this node, such as gpu; repeatable (ITKWASM_SILO_CAPABILITIES, ','-separated).", DefaultValueFactory = _ => Env("CAPABILITIES")?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [] };
        var command = new Command("silo", "Runs a cluster node: the HTTP API and the work loop, on a shared PostgreSQL database.")
        {
            postgres, urls, token, concurrency, lease, capability,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = new SiloOptions
            {
                Postgres = parse.GetValue(postgres),
                Urls = parse.GetValue(urls)!,
                Token = parse.GetValue(token),
                Concurrency = parse.GetValue(concurrency),
                LeaseDuration = TimeSpan.FromSeconds(parse.GetValue(lease)),
                Capabilities = parse.GetValue(capability)!,
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }

            try
            {
                await SiloHost.RunAsync(options, stdout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"cannot use the PostgreSQL database: {e.Message}", e);
            }

            return CliApp.Success;
        });
        return command;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable($"ITKWASM_SILO_{name}") is { Length: > 0 } value ? value : null;

    private static int? EnvInt(string name) => Env(name) is { } value
        ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw new CliUsageException($"ITKWASM_SILO_{name} must be a whole number, not '{value}'")
        : null;
}
