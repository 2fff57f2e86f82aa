using ItkWasm.IO;
using ItkWasm.IO.Cbor;
using ItkWasm.IO.Zstd;

namespace ItkWasm.Chunks;

/// <summary>
/// An image stored with its pixel buffer uncompressed and contiguous at a known offset of a file or blob (an
/// uncompressed <c>.iwi.cbor</c>, ITKWASM-SPEC §3.3: the <c>data</c> entry's bytes; a raw-backed MetaImage or NRRD,
/// <see cref="RawImageHeader"/>), so that a region of it is read, or written, by ranges without the rest. The buffer is in ITK's order: x fastest, components interleaved,
/// little-endian.
/// </summary>
/// <param name="Header">The image's type, geometry and metadata, without pixels; not owned (nothing to dispose).</param>
/// <param name="DataOffset">Where the pixel buffer starts, in bytes from the start of the file.</param>
/// <param name="DataFile">The name of the file or blob holding the pixels, in the described file's store; null when it
/// is the described file itself (a MetaImage or NRRD header may name another, <see cref="RawImageHeader"/>).</param>
public sealed record ImageLayout(Image Header, long DataOffset, string? DataFile = null)
{
    // Runs of one read that lie closer together than this are read at once, the gap with them.
    private const long CoalesceGap = 1 << 20;

    // The most one coalesced read takes in at once, in bytes.
    private const long MaxCoalescedRead = 64 << 20;

    /// <summary>Gets the bytes of one pixel (all its components).</summary>
    public int PixelBytes => checked((int)Header.ImageType.Components * Header.ImageType.ComponentType.SizeInBytes());

    /// <summary>Gets the length of the whole file or blob, in bytes.</summary>
    public long Length => DataOffset + Header.ByteLength;

    /// <summary>Reads the layout of the uncompressed <c>.iwi.cbor</c> document <paramref name="stream"/> holds, from its
    /// current position, without reading its pixels (a seekable stream seeks past them).</summary>
    /// <param name="stream">The document; the caller keeps owning it.</param>
    /// <param name="sourceName">The file or blob name, for messages.</param>
    /// <exception cref="ItkWasmFormatException">The document is malformed, or holds no pixel buffer.</exception>
    public static ImageLayout ReadCbor(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var start = stream.CanSeek ? stream.Position : 0;
        using var header = ImageCbor.ReadHeader(stream, sourceName, out var dataOffset);
        if (dataOffset < 0)
        {
            throw new ItkWasmFormatException(sourceName, "the image has no pixel buffer (no \"data\" entry)");
        }

        return new ImageLayout(Geometry(header), start + dataOffset);
    }

    /// <summary>Reads the layout of an <c>.iwi</c> directory (ITKWASM-SPEC §3.1) from the bytes of its
    /// <c>index.json</c> and <c>data/direction.raw</c>: its pixels are the whole of <c>data/data.raw</c>.</summary>
    /// <param name="index">The bytes of <c>index.json</c>.</param>
    /// <param name="direction">The bytes of <c>data/direction.raw</c>.</param>
    /// <param name="sourceName">The directory's name, for messages.</param>
    /// <param name="dataFile">The name of <c>data/data.raw</c> in the directory's store.</param>
    /// <exception cref="ItkWasmFormatException">The index or the direction is malformed.</exception>
    public static ImageLayout ReadDirectory(ReadOnlyMemory<byte> index, ReadOnlySpan<byte> direction, string sourceName, string dataFile)
    {
        using var header = IO.Directory.ImageDirectory.ReadHeader(index, direction, sourceName);
        return new ImageLayout(Geometry(header), 0, dataFile);
    }

    // The type, geometry and metadata of an image, without its pixel buffer.
    private static Image Geometry(Image header)
    {
        var geometry = new Image(header.ImageType) { Name = header.Name, Origin = header.Origin, Spacing = header.Spacing, Direction = header.Direction, Size = header.Size };
        foreach (var (key, value) in header.Metadata)
        {
            geometry.Metadata[key] = value;
        }

        return geometry;
    }

    /// <summary>Returns the length of the uncompressed document an <c>.iwi.cbor.zst</c> holds: the content size its
    /// zstd frame's header records (ITKWASM-SPEC §3.4; ITK-Wasm's writers always record it), or null when it records
    /// none.</summary>
    /// <param name="head">The file's first bytes; 18 hold any frame header.</param>
    /// <exception cref="InvalidDataException">The bytes do not start a zstd frame.</exception>
    public static long? ZstdDocumentLength(ReadOnlySpan<byte> head) => ZstdStream.GetFrameContentSize(head);

    /// <summary>Returns a stream of the uncompressed <c>.iwi.cbor</c> document the <c>.iwi.cbor.zst</c>
    /// <paramref name="compressed"/> holds, decompressed as it is read (memory: the zstd window the frame declares).
    /// Disposing it disposes <paramref name="compressed"/>.</summary>
    public static Stream OpenZstdDocument(Stream compressed) => new ZstdStream(compressed, System.IO.Compression.CompressionMode.Decompress);

    /// <summary>Returns the layout of the uncompressed <c>.iwi.cbor</c> document ITK-Wasm writes for an image of
    /// <paramref name="header"/>'s type, geometry and metadata, and the document's bytes before the pixels, which
    /// <see cref="ImageFile.Write(Image, Stream, ItkWasmFileForm)"/> writes byte for byte the same.</summary>
    /// <param name="header">The image; its pixels, if any, are not used.</param>
    public static (ImageLayout Layout, byte[] Prefix) ForCbor(Image header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var prefix = ImageCbor.WriteHeader(header);
        return (new ImageLayout(header, prefix.Length), prefix);
    }

    /// <summary>Returns where the pixels of <paramref name="region"/> lie in the file: contiguous runs in the order of
    /// the region's own buffer, as (file offset, offset in the region's buffer, length), in bytes. Rows that follow
    /// each other in the file make one run (a region as wide as the image: one per plane; as wide and as high: one).</summary>
    /// <exception cref="ArgumentException">The region does not lie inside the image.</exception>
    public IEnumerable<(long FileOffset, long RegionOffset, long Length)> Runs(ImageRegion region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var size = Header.Size;
        var dimension = size.Length;
        if (region.Dimension != dimension || Enumerable.Range(0, dimension).Any(d => region.Index[d] < 0 || region.Size[d] < 0 || region.Index[d] + region.Size[d] > size[d]))
        {
            throw new ArgumentException($"the region {region} does not lie inside an image of [{string.Join(", ", size)}]", nameof(region));
        }

        return region.PixelCount == 0 ? [] : RunsInside(region);
    }

    private IEnumerable<(long FileOffset, long RegionOffset, long Length)> RunsInside(ImageRegion region)
    {
        var size = Header.Size;
        var dimension = size.Length;
        // Axes below k are whole, so a run spans them and region.Size[k] along axis k.
        var k = 0;
        var run = 1L;
        while (k < dimension && region.Size[k] == size[k])
        {
            run *= size[k++];
        }

        if (k < dimension)
        {
            run *= region.Size[k];
        }

        long pixel = PixelBytes;
        var at = new long[dimension]; // the position in the region of axes above k
        var done = 0L;
        do
        {
            var linear = 0L;
            for (var d = dimension - 1; d >= 0; d--)
            {
                linear = (linear * size[d]) + region.Index[d] + (d > k ? at[d] : 0);
            }

            yield return (DataOffset + (linear * pixel), done, run * pixel);
            done += run * pixel;
        }
        while (k + 1 < dimension && GridIndex.Next(at, region.Size, k + 1));
    }

    /// <summary>Reads <paramref name="region"/> of the image from <paramref name="stream"/>, which holds the file this
    /// layout describes: only the rows the region covers, in reads that each span whole runs (neighbouring runs less
    /// than 1 MiB apart are read as one). Where the region reaches outside the image, its pixels take the value of the
    /// nearest edge pixel, as <see cref="RegionCopy.Extract"/> gives them. The result has the image's type, spacing,
    /// direction and metadata, its origin at the region's first index; the caller disposes it.</summary>
    /// <param name="stream">The file, seekable; the caller keeps owning it.</param>
    /// <param name="region">The region, in the image's index space.</param>
    /// <exception cref="EndOfStreamException">The file is shorter than its layout says.</exception>
    public Image ReadRegion(Stream stream, ImageRegion region)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(region);
        var inside = RegionCopy.Clamp(Header.Size, region);
        var read = RegionCopy.Allocate(Header, inside);
        try
        {
            Fill(stream, inside, read.Data);
            return RegionCopy.PadTo(read, inside, region);
        }
        catch
        {
            read.Dispose();
            throw;
        }
    }

    /// <summary>Reads the middle slice of the image for a preview: the x–y plane at the middle index of every further
    /// axis, with at most <paramref name="maxRows"/> of its rows (every n-th, from the first, when it has more; its y
    /// spacing then grows n times, so the aspect stays true). Memory: the slice's rows read, one at a time when thinned.
    /// The caller disposes the result.</summary>
    /// <param name="stream">The file, seekable; the caller keeps owning it.</param>
    /// <param name="maxRows">The most rows to read, at least 1.</param>
    public Image ReadSlice(Stream stream, int maxRows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        var size = Header.Size;
        var dimension = size.Length;
        var index = new long[dimension];
        var extent = new long[dimension];
        for (var d = 0; d < dimension; d++)
        {
            (index[d], extent[d]) = d < 2 ? (0L, size[d]) : (size[d] / 2, 1L);
        }

        var height = dimension > 1 ? size[1] : 1;
        var step = (height + maxRows - 1) / maxRows;
        if (step <= 1)
        {
            return ReadRegion(stream, new ImageRegion(index, extent));
        }

        extent[1] = (height + step - 1) / step;
        var slice = new Image(Header.ImageType)
        {
            Name = Header.Name,
            Origin = RegionCopy.PointOf(Header, index),
            Spacing = [.. Header.Spacing.Select((s, d) => d == 1 ? s * step : s)],
            Direction = [.. Header.Direction],
            Size = extent,
        };
        try
        {
            slice.Data.Dispose();
            slice.Data = DataBuffer.Allocate(slice.ByteLength);
            var row = (long[])extent.Clone();
            row[1] = 1;
            for (var r = 0L; r < extent[1]; r++)
            {
                var at = (long[])index.Clone();
                at[1] = r * step;
                using var read = ReadRegion(stream, new ImageRegion(at, row));
                RegionCopy.Insert(slice, read, [0, r, .. new long[dimension - 2]]);
            }

            return slice;
        }
        catch
        {
            slice.Dispose();
            throw;
        }
    }

    // Reads the runs of a region inside the image into its buffer, neighbouring runs in one read.
    private void Fill(Stream stream, ImageRegion inside, DataBuffer target)
    {
        var runs = Runs(inside).ToList();
        byte[]? scratch = null;
        for (var first = 0; first < runs.Count;)
        {
            var last = first;
            while (last + 1 < runs.Count && runs[last + 1].FileOffset - (runs[last].FileOffset + runs[last].Length) is >= 0 and < CoalesceGap
                   && runs[last + 1].FileOffset + runs[last + 1].Length - runs[first].FileOffset <= MaxCoalescedRead)
            {
                last++;
            }

            stream.Seek(runs[first].FileOffset, SeekOrigin.Begin);
            if (first == last)
            {
                // Straight into the region's buffer, in pieces a span can hold.
                for (var done = 0L; done < runs[first].Length;)
                {
                    var piece = target.AsSpan(runs[first].RegionOffset + done, (int)Math.Min(1 << 30, runs[first].Length - done));
                    stream.ReadExactly(piece);
                    done += piece.Length;
                }
            }
            else
            {
                var span = checked((int)(runs[last].FileOffset + runs[last].Length - runs[first].FileOffset));
                if (scratch is null || scratch.Length < span)
                {
                    scratch = new byte[span];
                }

                stream.ReadExactly(scratch, 0, span);
                for (var r = first; r <= last; r++)
                {
                    var (fileOffset, regionOffset, length) = runs[r];
                    scratch.AsSpan((int)(fileOffset - runs[first].FileOffset), (int)length).CopyTo(target.AsSpan(regionOffset, (int)length));
                }
            }

            first = last + 1;
        }
    }
}
