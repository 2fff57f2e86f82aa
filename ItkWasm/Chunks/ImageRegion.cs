namespace ItkWasm.Chunks;

/// <summary>
/// ITK's <c>ImageRegion</c>: the box of pixels that starts at <see cref="Index"/> and spans <see cref="Size"/> pixels
/// along each axis, in ITK's index order (x first). A region may start below zero or reach past an image's size: read
/// with <see cref="RegionCopy.Extract"/>, its pixels outside the image take the value of the nearest edge pixel.
/// </summary>
/// <param name="Index">The first pixel's index, per axis.</param>
/// <param name="Size">The number of pixels, per axis; each at least 0.</param>
public sealed record ImageRegion(IReadOnlyList<long> Index, IReadOnlyList<long> Size)
{
    /// <summary>Gets the number of axes.</summary>
    public int Dimension => Index.Count;

    /// <summary>Gets the number of pixels.</summary>
    /// <exception cref="OverflowException">The count does not fit in 64 bits.</exception>
    public long PixelCount => Size.Aggregate(1L, (p, s) => checked(p * s));

    /// <summary>Returns the whole grid of an image of <paramref name="size"/>.</summary>
    public static ImageRegion Whole(IReadOnlyList<long> size) => new(new long[size.Count], [.. size]);

    /// <summary>Returns this region grown by <paramref name="halo"/> pixels on both sides of each axis.</summary>
    public ImageRegion Padded(IReadOnlyList<long> halo) =>
        new(Index.Select((i, d) => i - halo[d]).ToArray(), Size.Select((s, d) => s + (2 * halo[d])).ToArray());

    /// <inheritdoc/>
    public bool Equals(ImageRegion? other) =>
        other is not null && Index.SequenceEqual(other.Index) && Size.SequenceEqual(other.Size);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var value in Index.Concat(Size))
        {
            hash.Add(value);
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => $"[{string.Join(", ", Index)}] + [{string.Join(", ", Size)}]";
}
