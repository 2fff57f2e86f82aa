using ItkWasm.Zarr;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>The Zarr hierarchy at <paramref name="root"/> (a folder of the blob store, without its trailing '/') as an
/// <see cref="IZarrStore"/>: an object is a blob, a range one ranged read.</summary>
internal sealed class BlobZarrStore(IBlobStore store, string root) : IZarrStore
{
    /// <inheritdoc/>
    public string Description { get; } = $"{store.Description.TrimEnd('/')}/{root}";

    /// <inheritdoc/>
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var stream = await store.OpenReadAsync($"{root}/{key}", cancellationToken).ConfigureAwait(false);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes.ToArray();
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]?> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        Stream stream;
        try
        {
            stream = await store.OpenRangedReadAsync($"{root}/{key}", cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        await using (stream)
        {
            var start = offset < 0 ? stream.Length + offset : offset;
            if (start < 0 || start + length > stream.Length)
            {
                throw new EndOfStreamException($"{key} holds {stream.Length} bytes, not {length} at {offset}");
            }

            stream.Position = start;
            var bytes = new byte[length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
    }
}
