using ItkWasmCluster.Grains;

namespace ItkWasmCluster.Client.Tests;

/// <summary>The SDK's shape: what it needs to reach a cluster, and its refusals of unusable settings.</summary>
public sealed class ClientTests
{
    [Fact]
    public void Sdk_ReferencesNeitherTheSilo_NorStorage_NorTheWasmRuntimes()
    {
        var references = typeof(ItkWasmClusterClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.Contains("ItkWasmCluster.Abstractions", references);
        Assert.DoesNotContain(references, r => r is "ItkWasm" or "ItkWasmCluster.Grains" or "ItkWasmCluster.Storage" or "ItkWasmCluster.Silo" or "ItkWasmCluster.Embedded" || r.StartsWith("Wasmtime", StringComparison.Ordinal));
    }

    [Fact]
    public void Options_NeedExactlyOneOfEndpointAndClusterStore()
    {
        var neither = Assert.Throws<ArgumentException>(() => new ItkWasmClusterClient(new ItkWasmClusterClientOptions()));
        Assert.Contains("EmbeddedCluster", neither.Message, StringComparison.Ordinal);

        var both = Assert.Throws<ArgumentException>(() => new ItkWasmClusterClient(new ItkWasmClusterClientOptions
        {
            Endpoint = new Uri("http://127.0.0.1:1"),
            ClusterStore = new ClusterStoreOptions { RedisConfiguration = "127.0.0.1:1" },
        }));
        Assert.Contains("not both", both.Message, StringComparison.Ordinal);

        var noStore = Assert.Throws<ArgumentException>(() => new ItkWasmClusterClient(new ItkWasmClusterClientOptions { ClusterStore = new ClusterStoreOptions() }));
        Assert.Contains("--redis", noStore.Message, StringComparison.Ordinal);
    }
}
