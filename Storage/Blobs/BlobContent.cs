using System.Security.Cryptography;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>Comparisons of a blob's content with bytes about to be written, so that a writer can leave an identical
/// blob alone.</summary>
public static class BlobContent
{
    /// <summary>Gets whether the blob <paramref name="name"/> holds exactly what <paramref name="write"/> writes. Where
    /// the store keeps a hash of the blob (Azure's Content-MD5) the comparison costs no download; otherwise the blob is
    /// read and compared by SHA-256.</summary>
    /// <returns>False when the blob does not exist or differs.</returns>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Content-MD5 is the checksum Azure Storage keeps; it identifies content here, it protects nothing.")]
    public static async Task<bool> SameAsync(IBlobStore store, string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(write);
        var existing = await store.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return false;
        }

        var stored = existing.ContentHash is { } hash && hash.StartsWith("md5:", StringComparison.Ordinal) ? hash : null;
        using HashAlgorithm algorithm = stored is not null ? MD5.Create() : SHA256.Create();
        await using (var sink = new CryptoStream(Stream.Null, algorithm, CryptoStreamMode.Write))
        {
            await write(sink, cancellationToken).ConfigureAwait(false);
        }

        var ours = Convert.ToHexStringLower(algorithm.Hash!);
        if (stored is not null)
        {
            return stored == "md5:" + ours;
        }

        return await Sha256Async(store, name, cancellationToken).ConfigureAwait(false) == ours;
    }

    /// <summary>Reads the blob <paramref name="name"/> and returns the SHA-256 of its bytes, as lowercase hex.</summary>
    /// <exception cref="FileNotFoundException">The blob does not exist.</exception>
    public static async Task<string> Sha256Async(IBlobStore store, string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Gets whether the blob <paramref name="name"/> holds exactly <paramref name="bytes"/>; see
    /// <see cref="SameAsync(IBlobStore, string, Func{Stream, CancellationToken, Task}, CancellationToken)"/>.</summary>
    public static Task<bool> SameAsync(IBlobStore store, string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default) =>
        SameAsync(store, name, (stream, ct) => stream.WriteAsync(bytes, ct).AsTask(), cancellationToken);
}
