using System.CommandLine;
using ItkWasmCluster.Silo;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster silo (--azure-storage CONNSTR | --redis CONFIG) --urls URL --token TOKEN [--concurrency N]
/// [--cluster-id ID] [--silo-port P] [--gateway-port P] [--capability gpu] [--data-root DIR] [--blob-container LOC]
/// [--module-root DIR]</c>: runs an Orleans silo of the cluster
/// with its HTTP API until SIGINT or SIGTERM, when it leaves the cluster and its items run elsewhere. Every option falls
/// back to an <c>ITKWASM_SILO_*</c> environment variable (<see cref="ItkWasmSiloOptions"/>).
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
        ("--cluster-certificate", "CLUSTER_CERTIFICATE", "PKCS#12 or PEM file with the cluster's certificate and key, the same on every silo: mutual TLS on the silo and gateway ports (required unless --advertised-address is a loopback address; password in ITKWASM_SILO_CLUSTER_CERTIFICATE_PASSWORD)."),
        ("--probe-timeout", "PROBE_TIMEOUT", "Seconds before a probe of another silo counts as missed (default 1)."),
        ("--missed-probes", "MISSED_PROBES", "Missed probes that declare a silo dead (default 2)."),
        ("--blob-storage", "BLOB_STORAGE", "Azure Storage connection string of the account az:// locations are in (default: AZURE_STORAGE_CONNECTION_STRING)."),
        ("--blob-retries", "BLOB_RETRIES", "Retries of a blob request that failed transiently (default 5)."),
        ("--blob-timeout", "BLOB_TIMEOUT", "Seconds one blob request may take before it is retried (default 100)."),
        ("--kubernetes", "KUBERNETES", "Whether the silo runs in a Kubernetes pod (Orleans' Kubernetes hosting): true or false (default false)."),
        ("--orleans-dashboard", "ORLEANS_DASHBOARD", "Whether to serve Orleans' dashboard at /dashboard, which times every grain call: true or false (default true)."),
    ];

    private static readonly (string Option, string Key, char Separator, string Description)[] Lists =
    [
        ("--capability", "CAPABILITIES", ',', "A capability of this silo, such as gpu"),
        ("--data-root", "DATA_ROOTS", ';', "A folder jobs may read datasets from and write results to"),
        ("--blob-container", "BLOB_CONTAINERS", ';', "A blob container or prefix jobs may read and write (az://CONTAINER/PREFIX or a URL)"),
        ("--module-root", "MODULE_ROOTS", ';', "A folder or blob container of .wasi.wasm modules jobs may run"),
    ];

    public static Command Create(TextWriter stdout)
    {
        var options = Settings.Select(s => (s.Key, Option: new Option<string?>(s.Option) { Description = $"{s.Description} (ITKWASM_SILO_{s.Key})" })).ToArray();
        var lists = Lists.Select(l => (l.Key, l.Separator, Option: new Option<string[]>(l.Option) { Description = $"{l.Description}; repeatable (ITKWASM_SILO_{l.Key}, '{l.Separator}'-separated)." })).ToArray();
        var command = new Command("silo", "Runs a silo of a cluster (Orleans, on Azure Storage or Redis) with its HTTP API.");
        foreach (var (_, option) in options)
        {
            command.Options.Add(option);
        }

        foreach (var (_, _, option) in lists)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = options.ToDictionary(o => o.Key, o => parse.GetValue(o.Option));
            foreach (var (key, separator, option) in lists)
            {
                if (parse.GetValue(option) is { Length: > 0 } values)
                {
                    settings[key] = string.Join(separator, values);
                }
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
