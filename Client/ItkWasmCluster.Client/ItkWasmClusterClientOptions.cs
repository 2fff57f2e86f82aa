using ItkWasmCluster.Grains;

namespace ItkWasmCluster.Client;

/// <summary>Settings of an <see cref="ItkWasmClusterClient"/>: a remote cluster's <see cref="Endpoint"/> and
/// <see cref="Token"/>, or, without an endpoint, an embedded cluster in this process.</summary>
public sealed record ItkWasmClusterClientOptions
{
    /// <summary>Gets the address of any silo of a remote cluster, such as <c>http://10.0.0.5:5080</c>; null for an
    /// embedded cluster.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>Gets the bearer token the remote cluster requires.</summary>
    public string? Token { get; init; }

    /// <summary>Gets how many times a request that failed transiently (connection refused or reset, 502, 503, 504) is
    /// tried again, with exponential backoff from 200 ms. Default 5.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Gets the settings of the embedded cluster, when <see cref="Endpoint"/> is null.</summary>
    public EmbeddedClusterOptions Embedded { get; init; } = new();
}
