namespace ItkWasmCluster.Storage.Blobs;

/// <summary>A blob's name and properties.</summary>
/// <param name="Name">The name, '/'-separated, relative to the store's root (Azure's blob name).</param>
/// <param name="Length">The size, in bytes.</param>
/// <param name="LastModified">When it was last written.</param>
public sealed record BlobItem(string Name, long Length, DateTimeOffset LastModified)
{
    /// <summary>Gets what changes whenever the blob is written: Azure's ETag, or the size and modification time of a
    /// file.</summary>
    public string Version { get; init; } = $"{Length}:{LastModified.ToUnixTimeMilliseconds()}";

    /// <summary>Gets a hash of the blob's bytes that the store keeps, such as Azure's Content-MD5
    /// (<c>md5:</c> and lowercase hex), so that its content can be identified without reading it; null when the store
    /// keeps none.</summary>
    public string? ContentHash { get; init; }
}
