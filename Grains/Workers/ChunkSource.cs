using ItkWasm;
using ItkWasm.Chunks;
using ItkWasm.Zarr;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// An input read by regions: an <see cref="ImageLayout"/> over a blob (read by ranges), or a level of an OME-Zarr
/// image (read by the Zarr chunks each region touches, <see cref="OmeZarrImage"/>). Thread-safe.
/// </summary>
internal sealed class ChunkSource
{
    private readonly ImageLayout? layout;
    private readonly IBlobStore? store;
    private readonly string? blob;
    private readonly OmeZarrImage? zarr;
    private readonly IZarrStore? zarrStore;

    private ChunkSource(Image header, ImageLayout? layout, IBlobStore? store, string? blob, OmeZarrImage? zarr, IZarrStore? zarrStore) =>
        (Header, this.layout, this.store, this.blob, this.zarr, this.zarrStore) = (header, layout, store, blob, zarr, zarrStore);

    /// <summary>Gets the image's type, geometry and metadata (no pixels; nothing to dispose).</summary>
    public Image Header { get; }

    /// <summary>Gets the bytes of one pixel.</summary>
    public int PixelBytes => checked((int)Header.ImageType.Components * Header.ImageType.ComponentType.SizeInBytes());

    /// <summary>Gets the shape of the chunks the input is stored in (ITK's axis order), which a work split keeps
    /// whole; null when it is stored as one buffer.</summary>
    public IReadOnlyList<long>? StoredChunk => zarr?.ChunkSize;

    /// <summary>The input stored as <paramref name="layout"/> describes, in <paramref name="blob"/> of
    /// <paramref name="store"/> (the pixels in <see cref="ImageLayout.DataFile"/> when it names one).</summary>
    public static ChunkSource Of(ImageLayout layout, IBlobStore store, string blob) =>
        new(layout.Header, layout, store, layout.DataFile ?? blob, null, null);

    /// <summary>The input stored as the OME-Zarr image in <paramref name="store"/>, read at <paramref name="level"/>.</summary>
    /// <exception cref="ZarrFormatException">The image's metadata is missing or malformed, or it has no such level.</exception>
    public static async Task<ChunkSource> OpenZarrAsync(IZarrStore store, int level, CancellationToken cancellationToken)
    {
        var zarr = await OmeZarrImage.OpenAsync(store, level, cancellationToken).ConfigureAwait(false);
        return new(zarr.Header, null, null, null, zarr, store);
    }

    /// <summary>Reads <paramref name="region"/> (nearest-edge padding outside the image); the caller disposes it.</summary>
    public async Task<Image> ReadRegionAsync(ImageRegion region, CancellationToken cancellationToken)
    {
        if (zarr is not null)
        {
            return await zarr.ReadRegionAsync(region, cancellationToken).ConfigureAwait(false);
        }

        await using var stream = await store!.OpenRangedReadAsync(blob!, cancellationToken).ConfigureAwait(false);
        return layout!.ReadRegion(stream, region);
    }

    /// <summary>Reads the middle slice for a preview, of at most about <paramref name="maxRows"/> rows: a blob's by
    /// every n-th row (<see cref="ImageLayout.ReadSlice"/>); an OME-Zarr image's from its finest level of at most
    /// that many rows (its coarsest, when none has so few). The caller disposes it.</summary>
    public async Task<Image> ReadSliceAsync(int maxRows, CancellationToken cancellationToken)
    {
        if (zarr is null)
        {
            await using var stream = await store!.OpenRangedReadAsync(blob!, cancellationToken).ConfigureAwait(false);
            return await Task.Run(() => layout!.ReadSlice(stream, maxRows), cancellationToken).ConfigureAwait(false);
        }

        var level = zarr;
        for (var l = zarr.Level + 1; level.Header.Size[1] > maxRows && l < zarr.Levels; l++)
        {
            level = await OmeZarrImage.OpenAsync(zarrStore!, l, cancellationToken).ConfigureAwait(false);
        }

        var size = level.Header.Size;
        var index = new long[size.Length];
        var extent = size.ToArray();
        for (var d = 2; d < size.Length; d++)
        {
            (index[d], extent[d]) = (size[d] / 2, 1);
        }

        return await level.ReadRegionAsync(new ImageRegion(index, extent), cancellationToken).ConfigureAwait(false);
    }
}
