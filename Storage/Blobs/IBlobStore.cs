namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// Where datasets are read and results written: a flat namespace of '/'-separated blob names, as in Azure Blob
/// Storage. <see cref="FileSystemBlobStore"/> implements it on a local folder, <see cref="AzureBlobStore"/> on a container
/// prefix; <see cref="BlobStores"/> turns a location into one. Writes are atomic: a blob appears complete or not at all.
/// </summary>
public interface IBlobStore
{
    /// <summary>Gets a description of the store for messages, such as its root folder or container address.</summary>
    string Description { get; }

    /// <summary>Lists the blobs whose names start with <paramref name="prefix"/> (all blobs for "").</summary>
    IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Lists the blobs whose names start with <paramref name="prefix"/>, hidden ones (a name part starting
    /// with '.', such as a Zarr v2 store's <c>.zarray</c>) included.</summary>
    IAsyncEnumerable<BlobItem> ListAllAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Returns a blob's properties, or null if it does not exist.</summary>
    Task<BlobItem?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob for reading; the caller disposes the stream.</summary>
    /// <exception cref="FileNotFoundException">The blob does not exist.</exception>
    Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Opens a blob for reading in any order (a seekable stream that fetches only the ranges read, for readers
    /// that need part of a blob); the caller disposes the stream.</summary>
    /// <exception cref="FileNotFoundException">The blob does not exist.</exception>
    Task<Stream> OpenRangedReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Returns the assembly of the blob <paramref name="name"/> in parts under <paramref name="id"/> (32
    /// lowercase hex digits: the same id takes up the same assembly).</summary>
    /// <exception cref="ArgumentException">The id is not 32 lowercase hex digits.</exception>
    IBlobAssembly OpenAssembly(string name, string id);

    /// <summary>Writes a blob atomically through <paramref name="write"/>, only if no blob of that name exists
    /// (Azure's <c>If-None-Match: *</c>).</summary>
    /// <returns>The written blob's properties, as <see cref="GetPropertiesAsync"/> would return them (its
    /// <see cref="BlobItem.ContentHash"/> included, without another request); null, with nothing written, when the
    /// name was taken.</returns>
    Task<BlobItem?> TryCreateAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Writes a blob atomically through <paramref name="write"/>, replacing any blob of that name.</summary>
    /// <returns>The written blob's properties, as <see cref="GetPropertiesAsync"/> would return them.</returns>
    Task<BlobItem> UploadAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Deletes a blob; returns false if it did not exist.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Returns the blob's path on this machine when the store is a local folder (pipelines that read files by
    /// path can then use it in place); null otherwise.</summary>
    string? GetLocalPath(string name);

    /// <summary>Removes what interrupted writes and chunked runs of the blobs <paramref name="names"/> left behind: their
    /// hidden blobs (<see cref="BlobTemporaries"/>; Azure discards uncommitted blocks by itself). Only safe once no write
    /// of those blobs is in progress.</summary>
    Task CleanUpAsync(IEnumerable<string> names, CancellationToken cancellationToken = default);
}
