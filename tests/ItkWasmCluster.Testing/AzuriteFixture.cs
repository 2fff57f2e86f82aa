using Azure.Storage.Blobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Testing;

/// <summary>One Azurite for a test class, with a request log on every client the tests' stores create.</summary>
public sealed class AzuriteFixture : IDisposable
{
    public AzuriteFixture()
    {
        Server = StoreServer.Azurite();
        Service = new BlobServiceClient(Server.Connection, new BlobClientOptions(BlobStorageOptions.ServiceVersion));
    }

    public StoreServer Server { get; }

    public BlobServiceClient Service { get; }

    public RequestLog Log { get; } = new();

    /// <summary>Storage options on this Azurite (az:// locations), logging every request through <see cref="Log"/>.</summary>
    public BlobStorageOptions Options(StorageConfinement? confinement = null, Azure.Storage.StorageTransferOptions transfer = default) => new()
    {
        ConnectionString = Server.Connection,
        RetryDelay = TimeSpan.FromMilliseconds(50),
        Transfer = transfer,
        ConfigureClient = o => o.AddPolicy(Log, Azure.Core.HttpPipelinePosition.PerRetry),
        Confinement = confinement,
    };

    /// <summary>Creates a fresh container and returns its name.</summary>
    public string NewContainer()
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..20];
        Service.GetBlobContainerClient(name).Create();
        return name;
    }

    public void Dispose() => Server.Dispose();
}
