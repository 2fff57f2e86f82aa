namespace ItkWasm.Zarr;

/// <summary>
/// The objects of a Zarr hierarchy by key (<c>'/'</c>-separated, relative to its root: <c>zarr.json</c>,
/// <c>0/.zarray</c>, <c>0/c/1/2/3</c>), as Zarr's abstract store defines them: a folder's files or a blob prefix.
/// </summary>
public interface IZarrStore
{
    /// <summary>Gets a description of the store for messages (its folder or address).</summary>
    string Description { get; }

    /// <summary>Returns the bytes of <paramref name="key"/>, or null when there is no such object.</summary>
    ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Returns <paramref name="length"/> bytes of <paramref name="key"/> from <paramref name="offset"/> (from
    /// its end when negative: the last <c>-offset</c> bytes), or null when there is no such object.</summary>
    /// <exception cref="EndOfStreamException">The object is shorter than the range.</exception>
    ValueTask<byte[]?> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default);
}
