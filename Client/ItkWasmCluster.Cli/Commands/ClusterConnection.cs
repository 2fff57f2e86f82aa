using System.CommandLine;
using ItkWasmCluster.Client;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>The <c>--cluster URL</c> and <c>--token TOKEN</c> options of the commands that talk to a remote cluster,
/// falling back to <c>ITKWASM_CLUSTER_URL</c> and <c>ITKWASM_CLUSTER_TOKEN</c>.</summary>
internal sealed class ClusterConnection
{
    private readonly Option<string?> cluster = new("--cluster")
    {
        Description = "Any silo of the cluster, e.g. http://127.0.0.1:5080 (default: ITKWASM_CLUSTER_URL).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ITKWASM_CLUSTER_URL"),
    };

    // No default value: --help prints defaults, and a token is a secret (ITKWASM_CLUSTER_TOKEN is read when used).
    private readonly Option<string?> token = new("--token")
    {
        Description = "The cluster's bearer token (default: ITKWASM_CLUSTER_TOKEN).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(cluster);
        command.Options.Add(token);
    }

    /// <summary>Creates a client for the cluster the options name.</summary>
    /// <exception cref="CliUsageException">No usable cluster URL was given.</exception>
    public ItkWasmClusterClient CreateClient(ParseResult parse)
    {
        var url = parse.GetValue(cluster);
        if (string.IsNullOrEmpty(url))
        {
            throw new CliUsageException("--cluster (or ITKWASM_CLUSTER_URL) is required");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new CliUsageException($"--cluster must be an http(s) URL, not '{url}'");
        }

        return new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = endpoint, Token = parse.GetValue(token) ?? Environment.GetEnvironmentVariable("ITKWASM_CLUSTER_TOKEN") });
    }
}
