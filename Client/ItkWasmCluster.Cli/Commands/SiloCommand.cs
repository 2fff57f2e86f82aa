using System.CommandLine;
using ItkWasmCluster.Silo;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster silo (--azure-storage CONNSTR | --redis CONFIG) --urls URL --token TOKEN [--concurrency N]
/// [--cluster-id ID] [--silo-port P] [--gateway-port P] [--capability gpu]</c>: runs an Orleans silo of the cluster
/// with its HTTP API until SIGINT or SIGTERM, when it leaves the cluster and its items run elsewhere. Every option falls
/// back to an <c>ITKWASM_SILO_*</c> environment variable (<see cref="SiloOptions"/>).
/// </summary>
internal static class SiloCommand
{
    private static readonly (string Option, string Key, string Description)[] Settings =
    [
        ("--azure-storage", "AZURE_STORAGE", "Azure Storage connection string of the cluster store (membership, grain state, reminders)."),
        ("--redis", "REDIS", "Redis configuration of the cluster store, such as localhost:6379."),
        ("--urls", "URLS", "Where the HTTP API listens, ';'-separated (default http://127.0.0.1:5080)."),
        ("--token", "TOKEN", "Bearer token every /api request must carry, at least 16 characters."),
        ("--concurrency", "CONCURRENCY", "Items at once on this silo, its compute slots (default: processor count)."),
        ("--cluster-id", "CLUSTER_ID", "The cluster's id: silos with the same store and id form one cluster (default itkwasm)."),
        ("--silo-port", "SILO_PORT", "Port for silo-to-silo traffic (default 11111)."),
        ("--gateway-port", "GATEWAY_PORT", "Port for Orleans clients (default 30000)."),
        ("--advertised-address", "ADVERTISED_ADDRESS", "IP address other silos reach this one at (default: the host's)."),
        ("--probe-timeout", "PROBE_TIMEOUT", "Seconds before a probe of another silo counts as missed (default 1)."),
        ("--missed-probes", "MISSED_PROBES", "Missed probes that declare a silo dead (default 2)."),
    ];

    public static Command Create(TextWriter stdout)
    {
        var options = Settings.Select(s => (s.Key, Option: new Option<string?>(s.Option) { Description = $"{s.Description} (ITKWASM_SILO_{s.Key})" })).ToArray();
        var capability = new Option<string[]>("--capability") { Description = "A capability of this silo, such as gpu; repeatable (ITKWASM_SILO_CAPABILITIES, ','-separated)." };
        var command = new Command("silo", "Runs a silo of a cluster (Orleans, on Azure Storage or Redis) with its HTTP API.");
        foreach (var (_, option) in options)
        {
            command.Options.Add(option);
        }

        command.Options.Add(capability);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = options.ToDictionary(o => o.Key, o => parse.GetValue(o.Option));
            if (parse.GetValue(capability) is { Length: > 0 } capabilities)
            {
                settings["CAPABILITIES"] = string.Join(',', capabilities);
            }

            try
            {
                await SiloHost.RunAsync(settings, stdout, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }

            return CliApp.Success;
        });
        return command;
    }
}
