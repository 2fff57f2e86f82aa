using ItkWasmCluster.Grains;

namespace ItkWasmCluster.Client;

/// <summary>Settings of an <see cref="ItkWasmClusterClient"/>. It talks to a remote cluster over HTTP when
/// <see cref="Endpoint"/> is set, or as an Orleans client when <see cref="ClusterStore"/> is set; exactly one of the two.
/// (For a cluster in this process, create the client over an <c>EmbeddedCluster</c> instead.)</summary>
public sealed record ItkWasmClusterClientOptions
{
    /// <summary>Gets the address of any silo's HTTP API, such as <c>http://10.0.0.5:5080</c>.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Gets the bearer token the HTTP API requires.</summary>
    public string? Token { get; init; }

    /// <summary>Gets how many times an HTTP request that failed transiently (connection refused or reset, 502, 503,
    /// 504) is tried again, with exponential backoff from 200 ms. Default 5.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Gets the cluster store (Azure Storage or Redis, with the cluster's id) through which an Orleans client
    /// finds the silos' gateways; in-cluster .NET code can use it instead of HTTP.</summary>
    public ClusterStoreOptions? ClusterStore { get; init; }
}
