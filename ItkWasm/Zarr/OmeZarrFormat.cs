namespace ItkWasm.Zarr;

/// <summary>
/// How an image is written as OME-Zarr (<see cref="OmeZarrWriter"/>): the OME-NGFF version (<c>0.4</c>: Zarr v2;
/// <c>0.5</c>: Zarr v3), the chunk shape in ITK's axis order (x first; each axis at most the image's), and the
/// compressor (<c>zstd</c>, level 3; <c>blosc-zstd</c>, Blosc with zstd level 5 and byte shuffle; <c>none</c>).
/// </summary>
/// <param name="Ngff">The OME-NGFF version: <c>0.4</c> or <c>0.5</c>.</param>
/// <param name="Chunks">The chunk shape per ITK axis (one value: every axis); null: 128 per axis for 3D images, 256
/// for 2D.</param>
/// <param name="Compressor">The compressor: <c>zstd</c>, <c>blosc-zstd</c> or <c>none</c>.</param>
public sealed record OmeZarrFormat(string Ngff = "0.4", IReadOnlyList<long>? Chunks = null, string Compressor = "zstd")
{
    /// <summary>The versions written.</summary>
    public static readonly IReadOnlyList<string> Versions = ["0.4", "0.5"];

    /// <summary>The compressors written.</summary>
    public static readonly IReadOnlyList<string> Compressors = ["zstd", "blosc-zstd", "none"];

    /// <summary>Returns the chunk shape for an image of <paramref name="size"/>, in ITK's axis order.</summary>
    public long[] ChunkShape(IReadOnlyList<long> size)
    {
        ArgumentNullException.ThrowIfNull(size);
        return [.. size.Select((s, d) => Math.Max(1, Math.Min(s, Chunks is { Count: 1 } one ? one[0] : Chunks is { } given && d < given.Count ? given[d] : size.Count == 2 ? 256 : 128)))];
    }
}
