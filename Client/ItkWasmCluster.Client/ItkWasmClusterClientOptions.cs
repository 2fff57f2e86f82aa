using ItkWasmCluster.Grains;

namespace ItkWasmCluster.Client;

/// <summary>Settings of an <see cref="ItkWasmClusterClient"/>.</summary>
public sealed record ItkWasmClusterClientOptions
{
    /// <summary>Gets the settings of the embedded cluster the client runs jobs on (this process is the cluster).</summary>
    public EmbeddedClusterOptions Embedded { get; init; } = new();
}
