using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>How <see cref="BlobStores"/> reaches blob storage, and which locations it serves.</summary>
public sealed record BlobStorageOptions
{
    /// <summary>The Azure Storage API version the blob clients speak. Azurite 3.37 refuses the newer version that
    /// Azure.Storage.Blobs 12.30 sends by default; Azure accepts both.</summary>
    public const BlobClientOptions.ServiceVersion ServiceVersion = BlobClientOptions.ServiceVersion.V2025_01_05;

    /// <summary>Gets the connection string of the storage account that <c>az://CONTAINER/PREFIX</c> locations are in,
    /// and whose key signs requests to blob URLs of the same account that carry no SAS. Default: the
    /// <c>AZURE_STORAGE_CONNECTION_STRING</c> variable, as the Azure CLI reads it.</summary>
    public string? ConnectionString { get; init; } = Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING");

    /// <summary>Gets how many times the SDK retries a request that failed transiently (408, 429, 500, 502, 503, 504, a
    /// timeout or a reset connection), with exponential backoff from <see cref="RetryDelay"/>. Default 5.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Gets the first retry's delay; later ones double, up to a minute. Default 0.8 s (the SDK's).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(0.8);

    /// <summary>Gets how long one request may take before it counts as timed out (and is retried). Default 100 s.</summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets how uploads are split into blocks and parallelized. Default: the SDK's (measured here as the
    /// fastest against Azurite for a 64 MiB blob). Its <c>InitialTransferSize</c> is also the size up to which
    /// <see cref="AzureBlobStore"/> buffers a blob to send it in one request (default 256 MiB).</summary>
    public StorageTransferOptions Transfer { get; init; }

    /// <summary>Gets a last say on the blob clients' options, such as a pipeline policy that counts or fails requests
    /// (tests) or a proxy; null for none.</summary>
    public Action<BlobClientOptions>? ConfigureClient { get; init; }

    /// <summary>Gets the locations served, or null to serve any location this process can reach (the embedded mode on a
    /// user's own machine).</summary>
    public StorageConfinement? Confinement { get; init; }

    /// <summary>Builds the blob clients' options from these settings.</summary>
    public BlobClientOptions ClientOptions()
    {
        var options = new BlobClientOptions(ServiceVersion);
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = TimeSpan.FromMinutes(1);
        options.Retry.NetworkTimeout = NetworkTimeout;
        ConfigureClient?.Invoke(options);
        return options;
    }
}

/// <summary>
/// The locations a silo serves, so that holding its token does not open every file and account the silo can reach.
/// Each list entry is a location as jobs write it (<see cref="BlobLocation"/>); a location is served when it lies
/// inside an entry of the list for its use. Entries are matched by real path (symbolic links resolved) for folders,
/// and by account, container and prefix for blobs.
/// </summary>
public sealed record StorageConfinement
{
    /// <summary>How the silo's setting for <see cref="DataRoots"/> is written, for messages.</summary>
    public const string DataRootsSetting = "--data-root (ITKWASM_SILO_DATA_ROOTS)";

    /// <summary>How the silo's setting for <see cref="BlobContainers"/> is written, for messages.</summary>
    public const string BlobContainersSetting = "--blob-container (ITKWASM_SILO_BLOB_CONTAINERS)";

    /// <summary>How the silo's setting for <see cref="ModuleRoots"/> is written, for messages.</summary>
    public const string ModuleRootsSetting = "--module-root (ITKWASM_SILO_MODULE_ROOTS)";

    /// <summary>Gets the folders on this machine that datasets may be read from and results written to.</summary>
    public IReadOnlyList<string> DataRoots { get; init; } = [];

    /// <summary>Gets the blob containers (or prefixes), as <c>az://</c> locations or URLs, that datasets may be read
    /// from and results written to.</summary>
    public IReadOnlyList<string> BlobContainers { get; init; } = [];

    /// <summary>Gets the folders (or blob containers) that <c>.wasi.wasm</c> modules may be run from. npm pipelines
    /// (<c>@itk-wasm/PACKAGE:PIPELINE</c>) are served when the package is installed on the silo.</summary>
    public IReadOnlyList<string> ModuleRoots { get; init; } = [];
}
