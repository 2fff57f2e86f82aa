using System.Collections.Concurrent;
using Azure;
using Azure.Storage.Blobs;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>What a location is used for, which decides the list of a silo's confinement it must be in.</summary>
public enum LocationUse
{
    /// <summary>A dataset or a job's results.</summary>
    Data,

    /// <summary>A <c>.wasi.wasm</c> module.</summary>
    Module,
}

/// <summary>A location that cannot be served: unparsable, outside the locations a silo serves, or unreachable. The
/// message names the location (never a SAS) and, where a setting would allow it, that setting.</summary>
public sealed class BlobLocationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The one place that turns a location into a blob store (<see cref="FileSystemBlobStore"/> or
/// <see cref="AzureBlobStore"/>), and the gate of a silo's <see cref="StorageConfinement"/>: every location is checked
/// when it is resolved and again when a store is opened on it. Container clients are created once per container and
/// shared. Thread-safe; one per process (a silo's service, or the embedded cluster's).
/// </summary>
public sealed class BlobStores
{
    private readonly BlobStorageOptions options;
    private readonly BlobServiceClient? account;
    private readonly Lazy<BlobClientOptions> clientOptions;
    private readonly ConcurrentDictionary<string, BlobContainerClient> containers = new(StringComparer.Ordinal);
    private readonly Roots roots;

    /// <summary>Creates the resolver.</summary>
    /// <exception cref="BlobLocationException">The connection string, or an entry of the confinement, does not parse.</exception>
    public BlobStores(BlobStorageOptions? options = null)
    {
        this.options = options ?? new BlobStorageOptions();
        clientOptions = new(this.options.ClientOptions);
        if (this.options.ConnectionString is { Length: > 0 } connection)
        {
            try
            {
                account = new BlobServiceClient(connection, this.options.ClientOptions());
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new BlobLocationException("the storage connection string does not parse (AZURE_STORAGE_CONNECTION_STRING, or --blob-storage on a silo)", e);
            }
        }

        roots = new Roots(this.options.Confinement);
    }

    /// <summary>Gets whether locations are confined (a silo's stores), rather than anything this process can reach.</summary>
    public bool Confined => options.Confinement is not null;

    /// <summary>Parses <paramref name="text"/> and checks that it is served for <paramref name="use"/>. Relative
    /// paths are taken from the working folder, except when confined, where they are refused.</summary>
    /// <exception cref="BlobLocationException">Says what is wrong, and which setting would allow the location.</exception>
    public BlobLocation Resolve(string text, LocationUse use = LocationUse.Data)
    {
        BlobLocation location;
        try
        {
            location = BlobLocation.Parse(text, Confined ? null : Environment.CurrentDirectory);
        }
        catch (FormatException e)
        {
            throw new BlobLocationException(e.Message, e);
        }

        Check(location, use);
        return location;
    }

    /// <summary>Gets whether two locations overlap: the same folder or prefix, or one inside the other (folders compared
    /// with their symbolic links resolved, blob prefixes within the same container at the same endpoint).</summary>
    public bool Overlap(BlobLocation a, BlobLocation b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.LocalPath is { } pathA && b.LocalPath is { } pathB)
        {
            var (realA, realB) = (RealPath.Of(pathA), RealPath.Of(pathB));
            return RealPath.IsInside(realA, realB) || RealPath.IsInside(realB, realA);
        }

        return a.IsBlob && b.IsBlob && a.Container == b.Container && SameContainer(ContainerUriOf(a), ContainerUriOf(b))
               && (a.Prefix.StartsWith(b.Prefix, StringComparison.Ordinal) || b.Prefix.StartsWith(a.Prefix, StringComparison.Ordinal));
    }

    /// <summary>Returns the text that names <paramref name="location"/> however it was written: the folder's real path
    /// (symbolic links resolved), or the container's URL (or <c>az://CONTAINER</c> without an account) and the prefix.
    /// Never carries a SAS.</summary>
    public string IdentityOf(BlobLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.LocalPath is { } path
            ? RealPath.Of(path)
            : $"{ContainerUriOf(location)?.AbsoluteUri.TrimEnd('/') ?? BlobLocation.AzScheme + location.Container}/{location.Prefix}";
    }

    /// <summary>Opens the store of a data location (checked again).</summary>
    /// <exception cref="BlobLocationException">The location is not served, or needs credentials that are not set.</exception>
    public IBlobStore Open(BlobLocation location)
    {
        ArgumentNullException.ThrowIfNull(location);
        Check(location, LocationUse.Data);
        return location.LocalPath is { } path
            ? new FileSystemBlobStore(path, confined: Confined)
            : new AzureBlobStore(ContainerOf(location), location.Prefix, options.Transfer);
    }

    /// <summary>Resolves and opens a data location.</summary>
    /// <exception cref="BlobLocationException">See <see cref="Resolve"/>.</exception>
    public IBlobStore Open(string text) => Open(Resolve(text));

    /// <summary>Copies a module at a blob location to <paramref name="destination"/> (for the runtime, which compiles
    /// modules from files), when its ETag differs from <paramref name="knownVersion"/>; returns the blob's ETag.</summary>
    /// <exception cref="BlobLocationException">The location is not a served module location, or the blob is missing.</exception>
    public async Task<string> DownloadModuleAsync(BlobLocation location, string destination, string? knownVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        Check(location, LocationUse.Module);
        var blob = ContainerOf(location).GetBlobClient(location.Prefix.TrimEnd('/'));
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (properties.ETag.ToString() != knownVersion || !File.Exists(destination))
            {
                var temporary = $"{destination}.{Guid.NewGuid():N}.tmp";
                await blob.DownloadToAsync(temporary, new Azure.Storage.Blobs.Models.BlobDownloadToOptions { Conditions = new() { IfMatch = properties.ETag } }, cancellationToken).ConfigureAwait(false);
                File.Move(temporary, destination, overwrite: true);
            }

            return properties.ETag.ToString();
        }
        catch (RequestFailedException e) when (e.Status is 403 or 404)
        {
            throw new BlobLocationException($"cannot read the module {location.Display}: {Reason(e)}", e);
        }
    }

    /// <summary>Checks that a data location can be used before a job starts: for a dataset, that the folder or
    /// container exists; for results, that the folder can be created or the container exists. Permanent refusals
    /// (a missing container, 403) are reported here rather than as failed items.</summary>
    /// <exception cref="BlobLocationException">Says what is missing or refused.</exception>
    public async Task CheckReachableAsync(BlobLocation location, bool dataset, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (location.LocalPath is { } path)
        {
            if (dataset && !Directory.Exists(path))
            {
                throw new BlobLocationException($"no such directory: {path}");
            }

            return;
        }

        try
        {
            var container = ContainerOf(location);
            if (!(await container.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
            {
                throw new BlobLocationException($"no container '{location.Container}' at {location.Display}; create it first");
            }
        }
        catch (RequestFailedException e)
        {
            throw new BlobLocationException($"cannot reach {location.Display}: {Reason(e)}", e);
        }
    }

    /// <summary>Creates the container of a blob location if it does not exist yet (for commands that upload, as AzCopy
    /// does); nothing for a local location.</summary>
    /// <exception cref="BlobLocationException">The container cannot be created (403: a SAS scoped to another container,
    /// or a key without the right).</exception>
    public async Task CreateContainerIfMissingAsync(BlobLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(location);
        Check(location, LocationUse.Data);
        if (!location.IsBlob)
        {
            return;
        }

        try
        {
            await ContainerOf(location).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e)
        {
            throw new BlobLocationException($"cannot create the container '{location.Container}' for {location.Display.TrimEnd('/')}: {Reason(e)}", e);
        }
    }

    private static string Reason(RequestFailedException e) => e.Status switch
    {
        403 => "access denied (403): check the SAS or the storage connection string",
        404 => "not found (404)",
        _ => $"{e.Status} {e.ErrorCode}",
    };

    private void Check(BlobLocation location, LocationUse use)
    {
        if (options.Confinement is null)
        {
            return;
        }

        var served = roots;
        var (allowed, setting) = use == LocationUse.Module
            ? (served.Modules, StorageConfinement.ModuleRootsSetting)
            : (location.IsBlob ? served.Blobs : served.Data, location.IsBlob ? StorageConfinement.BlobContainersSetting : StorageConfinement.DataRootsSetting);
        if (!allowed.Any(root => Contains(root, location)))
        {
            var what = use == LocationUse.Module ? "the module locations" : location.IsBlob ? "the blob containers" : "the data folders";
            throw new BlobLocationException($"{location.Display} is not among {what} this silo serves; allow it with {setting}");
        }
    }

    private bool Contains(ServedRoot root, BlobLocation location)
    {
        if (root.RealPath is { } realRoot)
        {
            return location.LocalPath is { } path && RealPath.IsInside(path, realRoot);
        }

        // The whole endpoint counts, not the account's name: https://ACCOUNT.blob.elsewhere.example/ or
        // http://10.0.0.7:6379/ACCOUNT/ name the account but reach another host.
        var entry = root.Location;
        return location.IsBlob
               && SameContainer(ContainerUriOf(entry), ContainerUriOf(location))
               && entry.Container == location.Container
               && location.Prefix.StartsWith(entry.Prefix, StringComparison.Ordinal);
    }

    /// <summary>Returns the container's URL (scheme, host, port and path) that requests for <paramref name="location"/>
    /// go to: the URL as written, or for <c>az://</c> the configured account's; null for <c>az://</c> without an
    /// account.</summary>
    private Uri? ContainerUriOf(BlobLocation location) =>
        location.ContainerUri ?? (location.Container is { } container ? account?.GetBlobContainerClient(container).Uri : null);

    private static bool SameContainer(Uri? a, Uri? b) =>
        a is null || b is null
            ? a is null && b is null
            : string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
              && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
              && a.Port == b.Port
              && string.Equals(a.AbsolutePath.TrimEnd('/'), b.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);

    private BlobContainerClient ContainerOf(BlobLocation location)
    {
        if (location.ContainerUri is null)
        {
            var service = account ?? throw new BlobLocationException(
                $"{location.Display} needs a storage account: set AZURE_STORAGE_CONNECTION_STRING (on a silo, --blob-storage or ITKWASM_SILO_BLOB_STORAGE)");
            return containers.GetOrAdd($"az:{location.Container}", _ => service.GetBlobContainerClient(location.Container));
        }

        if (location.Sas is { } sas)
        {
            return containers.GetOrAdd($"{location.ContainerUri}?{sas}", _ => new BlobContainerClient(new Uri($"{location.ContainerUri}?{sas}"), clientOptions.Value));
        }

        // No SAS: the configured account's key signs requests to its own endpoint only (a request signed for another
        // host could be replayed against the account); others are reached anonymously (public containers).
        return account is not null && SameContainer(account.GetBlobContainerClient(location.Container).Uri, location.ContainerUri)
            ? containers.GetOrAdd($"az:{location.Container}", _ => account.GetBlobContainerClient(location.Container))
            : containers.GetOrAdd(location.ContainerUri.AbsoluteUri, _ => new BlobContainerClient(location.ContainerUri, clientOptions.Value));
    }

    private sealed record ServedRoot(BlobLocation Location, string? RealPath);

    private sealed class Roots
    {
        public Roots(StorageConfinement? confinement)
        {
            if (confinement is null)
            {
                return;
            }

            var data = confinement.DataRoots.Select(r => Parse(r, StorageConfinement.DataRootsSetting)).ToArray();
            Data = data.Where(r => r.RealPath is not null).ToArray();
            if (data.Any(r => r.RealPath is null))
            {
                throw new BlobLocationException($"{StorageConfinement.DataRootsSetting} takes folders; put blob containers in {StorageConfinement.BlobContainersSetting}");
            }

            Blobs = confinement.BlobContainers.Select(r => Parse(r, StorageConfinement.BlobContainersSetting)).ToArray();
            if (Blobs.Any(r => r.RealPath is not null))
            {
                throw new BlobLocationException($"{StorageConfinement.BlobContainersSetting} takes az:// locations or blob URLs; put folders in {StorageConfinement.DataRootsSetting}");
            }

            Modules = confinement.ModuleRoots.Select(r => Parse(r, StorageConfinement.ModuleRootsSetting)).ToArray();
        }

        public ServedRoot[] Data { get; } = [];

        public ServedRoot[] Blobs { get; } = [];

        public ServedRoot[] Modules { get; } = [];

        private static ServedRoot Parse(string entry, string setting)
        {
            try
            {
                var location = BlobLocation.Parse(entry);
                return new ServedRoot(location, location.LocalPath is { } path ? RealPath.Of(path) : null);
            }
            catch (FormatException e)
            {
                throw new BlobLocationException($"{setting}: {e.Message}", e);
            }
        }
    }
}
