namespace ItkWasmCluster.Storage.Blobs;

/// <summary>A blob's name and properties.</summary>
/// <param name="Name">The name, '/'-separated, relative to the store's root (Azure's blob name).</param>
/// <param name="Length">The size, in bytes.</param>
/// <param name="LastModified">When it was last written.</param>
public sealed record BlobItem(string Name, long Length, DateTimeOffset LastModified);
