using System.Security.Cryptography;
using System.Text;
using ItkWasm;
using ItkWasm.Chunks;
using ItkWasm.Zarr;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// Results written as OME-Zarr images (<c>output.format: .ome.zarr</c>, <see cref="OmeZarrWriter"/>): a result is the
/// folder (or blob prefix) <c>NAME/</c> of its Zarr objects. Its metadata is written last and removed first, so a
/// reader never sees an image whose chunks are half written; objects already holding the same bytes are not
/// rewritten, and objects the result does not have are removed before its metadata appears. A result's hash
/// (<see cref="HashAsync"/>) is the SHA-256 of its objects' keys and MD5s, so a store that keeps each blob's MD5
/// (Azure) gives it without a download.
/// </summary>
internal sealed class ZarrResults(IBlobStore output, OutputSpec spec)
{
    /// <summary>Gets how results are written.</summary>
    public OmeZarrFormat Format { get; } = new(spec.Ngff, spec.Chunks, spec.Compressor);

    /// <summary>Writes the image whose levels are <paramref name="levels"/> (one, or a pyramid made by
    /// <paramref name="method"/>) as the result <paramref name="name"/>.</summary>
    /// <returns>The result's hash.</returns>
    public async Task<string> WriteAsync(string name, IReadOnlyList<Image> levels, string? method, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(levels);
        var existing = await ObjectsAsync(name, cancellationToken).ConfigureAwait(false);
        var metadata = OmeZarrWriter.Metadata(levels, Format, method);
        var manifest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var hidden = false;
        foreach (var (key, bytes) in OmeZarrWriter.Chunks(levels, Format))
        {
            manifest[key] = Md5(bytes);
            if (await existing.Md5Async(key, cancellationToken).ConfigureAwait(false) != manifest[key])
            {
                if (!hidden)
                {
                    await PrepareAsync(name, cancellationToken).ConfigureAwait(false); // no image there until the metadata is written again
                    hidden = true;
                }

                await PutAsync(name, key, bytes, cancellationToken).ConfigureAwait(false);
            }
        }

        return await FinishAsync(name, metadata, manifest, existing, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prepares the result <paramref name="name"/> of an item run by chunks: removes its metadata, so that it
    /// is no image until its commit.</summary>
    public async Task PrepareAsync(string name, CancellationToken cancellationToken)
    {
        foreach (var key in new[] { ".zattrs", ".zgroup", "zarr.json", $"{OmeZarrWriter.ArrayPath}/.zarray", $"{OmeZarrWriter.ArrayPath}/zarr.json" })
        {
            await output.DeleteAsync($"{name}/{key}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the Zarr chunks of the result <paramref name="name"/> (described by <paramref name="header"/>)
    /// that <paramref name="pixels"/>, the pixels of <paramref name="region"/>, cover.</summary>
    public async Task WriteRegionAsync(string name, Image header, Image pixels, ImageRegion region, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(region);
        foreach (var chunk in OmeZarrWriter.ChunksIn(header, Format, region))
        {
            var (key, bytes) = OmeZarrWriter.EncodeChunk(header, Format, pixels, region.Index, chunk);
            await PutAsync(name, key, bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Commits the result <paramref name="name"/> of an item run by chunks, whose chunks are all written:
    /// removes objects it does not have, then writes its <paramref name="metadata"/>.</summary>
    /// <param name="name">The result.</param>
    /// <param name="header">The result's type and size.</param>
    /// <param name="metadata">Its metadata objects (<see cref="OmeZarrWriter.Metadata(IReadOnlyList{Image}, OmeZarrFormat, string?)"/>), as planned.</param>
    /// <param name="cancellationToken">Stops the commit between objects.</param>
    /// <returns>The result's hash.</returns>
    public async Task<string> CommitAsync(string name, Image header, IReadOnlyList<(string Key, byte[] Bytes)> metadata, CancellationToken cancellationToken)
    {
        var existing = await ObjectsAsync(name, cancellationToken).ConfigureAwait(false);
        var manifest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in OmeZarrWriter.ChunksIn(header, Format, ImageRegion.Whole(header.Size)))
        {
            var key = OmeZarrWriter.ChunkKey(Format, chunk);
            manifest[key] = await existing.Md5Async(key, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{name}/{key} is missing: a chunk of the result was not written");
        }

        return await FinishAsync(name, metadata, manifest, existing, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the hash of the result <paramref name="name"/> as it is stored, or null when there is none (no
    /// metadata).</summary>
    public async Task<string?> HashAsync(string name, CancellationToken cancellationToken)
    {
        var existing = await ObjectsAsync(name, cancellationToken).ConfigureAwait(false);
        if (!existing.Keys.Contains(".zattrs") && !existing.Keys.Contains("zarr.json"))
        {
            return null;
        }

        var manifest = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in existing.Keys)
        {
            manifest[key] = (await existing.Md5Async(key, cancellationToken).ConfigureAwait(false))!;
        }

        return Hash(manifest);
    }

    // Removes the objects the result does not have, writes its metadata (where it differs), and returns its hash.
    private async Task<string> FinishAsync(string name, IReadOnlyList<(string Key, byte[] Bytes)> metadata, SortedDictionary<string, string> manifest, Existing existing, CancellationToken cancellationToken)
    {
        var keep = manifest.Keys.Concat(metadata.Select(m => m.Key)).ToHashSet(StringComparer.Ordinal);
        var stale = existing.Keys.Where(k => !keep.Contains(k)).ToList();
        if (stale.Count > 0)
        {
            await PrepareAsync(name, cancellationToken).ConfigureAwait(false);
            foreach (var key in stale)
            {
                await output.DeleteAsync($"{name}/{key}", cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var (key, bytes) in metadata)
        {
            manifest[key] = Md5(bytes);
            if (await existing.Md5Async(key, cancellationToken).ConfigureAwait(false) != manifest[key])
            {
                await PutAsync(name, key, bytes, cancellationToken).ConfigureAwait(false);
            }
        }

        return Hash(manifest);
    }

    private Task<BlobItem> PutAsync(string name, string key, byte[] bytes, CancellationToken cancellationToken) =>
        output.UploadAsync($"{name}/{key}", (stream, ct) => stream.WriteAsync(bytes, ct).AsTask(), cancellationToken);

    private async Task<Existing> ObjectsAsync(string name, CancellationToken cancellationToken)
    {
        var objects = new Dictionary<string, BlobItem>(StringComparer.Ordinal);
        await foreach (var blob in output.ListAllAsync(name + "/", cancellationToken).ConfigureAwait(false))
        {
            if (BlobTemporaries.FinalOf(blob.Name[(blob.Name.LastIndexOf('/') + 1)..]) is null)
            {
                objects[blob.Name[(name.Length + 1)..]] = blob;
            }
        }

        return new Existing(output, name, objects);
    }

    private static string Hash(SortedDictionary<string, string> manifest) =>
        "zarr:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', manifest.Select(m => $"{m.Key} {m.Value}")))));

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Content-MD5 is the checksum Azure Storage keeps; it identifies content here, it protects nothing.")]
    private static string Md5(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    // The objects a result has: their MD5 from the store (Azure's Content-MD5) or read.
    private sealed class Existing(IBlobStore store, string name, Dictionary<string, BlobItem> objects)
    {
        public IEnumerable<string> Keys => objects.Keys;

        [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Content-MD5 is the checksum Azure Storage keeps; it identifies content here, it protects nothing.")]
        public async Task<string?> Md5Async(string key, CancellationToken cancellationToken)
        {
            if (!objects.TryGetValue(key, out var blob))
            {
                return null;
            }

            if (blob.ContentHash is { } hash && hash.StartsWith("md5:", StringComparison.Ordinal))
            {
                return hash["md5:".Length..];
            }

            await using var stream = await store.OpenReadAsync($"{name}/{key}", cancellationToken).ConfigureAwait(false);
            return Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }
}
