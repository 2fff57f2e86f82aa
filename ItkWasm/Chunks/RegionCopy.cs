namespace ItkWasm.Chunks;

/// <summary>
/// Copies boxes of pixels between images of one pixel type: out of an image into an image of its own (a chunk with its
/// halo), and back into a larger image (a chunk's result into the item's). Rows (x runs) are copied whole.
/// </summary>
public static class RegionCopy
{
    /// <summary>
    /// Returns a new image holding <paramref name="region"/> of <paramref name="source"/>: its pixel type, spacing,
    /// direction and metadata, its origin at the physical point of the region's first index. Where the region reaches
    /// outside the source, each pixel takes the value of the nearest edge pixel, as ITK's
    /// <c>ZeroFluxNeumannBoundaryCondition</c> reads it, so that a filter run on the copy sees at the image's true edges
    /// what it sees on the whole image. The caller disposes the result.
    /// </summary>
    /// <exception cref="ArgumentException">The region's dimension is not the image's, a size is negative, or the source
    /// has no pixels.</exception>
    public static Image Extract(Image source, ImageRegion region)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(region);
        var dimension = source.Size.Length;
        if (region.Dimension != dimension || region.Size.Count != dimension || region.Size.Any(s => s < 0))
        {
            throw new ArgumentException($"the region {region} does not fit a {dimension}-D image", nameof(region));
        }

        if (source.PixelCount == 0)
        {
            throw new ArgumentException("the image has no pixels to copy", nameof(source));
        }

        var target = Allocate(source, region);
        if (target.PixelCount == 0)
        {
            return target;
        }

        var pixel = PixelBytes(source);
        var row = region.Size[0];
        var (x0, width) = (region.Index[0], source.Size[0]);
        var inside = (Start: Math.Clamp(-x0, 0, row), End: Math.Clamp(width - x0, 0, row)); // the row's part inside the source
        var rows = target.PixelCount / row;
        var at = new long[dimension];
        for (long n = 0; n < rows; n++)
        {
            // The source row: each index beyond an edge clamped to it.
            var sourceRow = 0L;
            for (var d = dimension - 1; d >= 1; d--)
            {
                sourceRow = (sourceRow * source.Size[d]) + Math.Clamp(region.Index[d] + at[d], 0, source.Size[d] - 1);
            }

            var from = sourceRow * width * pixel;
            var to = n * row * pixel;
            var first = source.Data.AsSpan(from, pixel);
            var last = source.Data.AsSpan(from + ((width - 1) * pixel), pixel);
            for (var x = 0L; x < inside.Start; x++)
            {
                first.CopyTo(target.Data.AsSpan(to + (x * pixel), pixel));
            }

            if (inside.End > inside.Start)
            {
                Copy(source.Data, from + ((x0 + inside.Start) * pixel), target.Data, to + (inside.Start * pixel), (inside.End - inside.Start) * pixel);
            }

            for (var x = inside.End; x < row; x++)
            {
                last.CopyTo(target.Data.AsSpan(to + (x * pixel), pixel));
            }

            GridIndex.Next(at, region.Size, 1);
        }

        return target;
    }

    /// <summary>Copies every pixel of <paramref name="chunk"/> into <paramref name="target"/>, the chunk's first pixel
    /// at <paramref name="at"/>.</summary>
    /// <exception cref="ArgumentException">The images differ in pixel type or dimension, or the chunk does not fit
    /// inside the target there.</exception>
    public static void Insert(Image target, Image chunk, IReadOnlyList<long> at)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(at);
        var dimension = target.Size.Length;
        if (chunk.ImageType != target.ImageType)
        {
            throw new ArgumentException($"the chunk's pixel type ({chunk.ImageType}) is not the image's ({target.ImageType})", nameof(chunk));
        }

        if (chunk.Size.Length != dimension || at.Count != dimension || Enumerable.Range(0, dimension).Any(d => at[d] < 0 || at[d] + chunk.Size[d] > target.Size[d]))
        {
            throw new ArgumentException($"a chunk of size [{string.Join(", ", chunk.Size)}] does not fit at [{string.Join(", ", at)}] in [{string.Join(", ", target.Size)}]", nameof(at));
        }

        if (chunk.PixelCount == 0)
        {
            return;
        }

        var pixel = PixelBytes(target);
        var row = chunk.Size[0];
        var rows = chunk.PixelCount / row;
        var position = new long[dimension];
        for (long n = 0; n < rows; n++)
        {
            var targetRow = 0L;
            for (var d = dimension - 1; d >= 1; d--)
            {
                targetRow = (targetRow * target.Size[d]) + at[d] + position[d];
            }

            Copy(chunk.Data, n * row * pixel, target.Data, ((targetRow * target.Size[0]) + at[0]) * pixel, row * pixel);
            GridIndex.Next(position, chunk.Size, 1);
        }
    }

    /// <summary>Returns the part of <paramref name="region"/> that lies inside an image of <paramref name="size"/>
    /// (at least one pixel per axis: a region wholly outside takes the nearest edge's).</summary>
    public static ImageRegion Clamp(IReadOnlyList<long> size, ImageRegion region)
    {
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(region);
        var index = new long[size.Count];
        var extent = new long[size.Count];
        for (var d = 0; d < size.Count; d++)
        {
            var start = Math.Clamp(region.Index[d], 0, size[d] - 1);
            var end = Math.Clamp(region.Index[d] + region.Size[d], start + 1, size[d]);
            (index[d], extent[d]) = (start, end - start);
        }

        return new ImageRegion(index, extent);
    }

    /// <summary>Returns a new image for <paramref name="inside"/> of an image of <paramref name="header"/>'s type,
    /// spacing, direction and metadata, its origin at the region's first index, its pixel buffer allocated (not
    /// cleared); the caller disposes it.</summary>
    public static Image Allocate(Image header, ImageRegion inside)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(inside);
        var read = new Image(header.ImageType)
        {
            Name = header.Name,
            Origin = PointOf(header, inside.Index),
            Spacing = [.. header.Spacing],
            Direction = [.. header.Direction],
            Size = [.. inside.Size],
        };
        foreach (var (key, value) in header.Metadata)
        {
            read.Metadata[key] = value;
        }

        read.Data.Dispose();
        read.Data = DataBuffer.Allocate(read.ByteLength);
        return read;
    }

    /// <summary>Returns <paramref name="read"/> (the pixels of <paramref name="inside"/>, <see cref="Clamp"/> of
    /// <paramref name="region"/>) as the pixels of <paramref name="region"/>: itself when they are the same, else a
    /// copy padded with the nearest edge pixels (<see cref="Extract"/>), <paramref name="read"/> disposed.</summary>
    public static Image PadTo(Image read, ImageRegion inside, ImageRegion region)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(inside);
        ArgumentNullException.ThrowIfNull(region);
        if (inside.Equals(region))
        {
            return read;
        }

        using (read)
        {
            return Extract(read, new ImageRegion(region.Index.Select((i, d) => i - inside.Index[d]).ToArray(), [.. region.Size]));
        }
    }

    /// <summary>Returns the physical point of <paramref name="index"/> in <paramref name="image"/>'s grid: origin +
    /// direction × (spacing ∘ index).</summary>
    internal static double[] PointOf(Image image, IReadOnlyList<long> index)
    {
        var dimension = image.Size.Length;
        var point = new double[dimension];
        for (var r = 0; r < dimension; r++)
        {
            point[r] = image.Origin[r];
            for (var c = 0; c < dimension; c++)
            {
                point[r] += image.Direction[(r * dimension) + c] * image.Spacing[c] * index[c];
            }
        }

        return point;
    }

    private static int PixelBytes(Image image) => checked((int)image.ImageType.Components * image.ImageType.ComponentType.SizeInBytes());

    // Copies in pieces of at most 1 GiB: a span holds fewer than 2³¹ bytes.
    private static void Copy(DataBuffer from, long start, DataBuffer to, long at, long length)
    {
        const int Piece = 1 << 30;
        for (long done = 0; done < length; done += Piece)
        {
            var n = (int)Math.Min(Piece, length - done);
            from.AsSpan(start + done, n).CopyTo(to.AsSpan(at + done, n));
        }
    }
}
