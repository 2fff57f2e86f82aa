using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using ItkWasm.Chunks;
using ItkWasm.IO.Zstd;

namespace ItkWasm.Zarr;

/// <summary>
/// Writes ITK-Wasm images as single-level OME-Zarr images (OME-NGFF 0.4 on Zarr v2, 0.5 on Zarr v3), the inverse of
/// <see cref="OmeZarrImage"/>: ITK's axes reversed into OME's (<c>z</c>, <c>y</c>, <c>x</c>; a <c>c</c> channel axis
/// first for pixels of several components), spacing and origin as the level's <c>scale</c> and <c>translation</c>,
/// units from the <c>ome.units</c> metadata, and a direction other than the identity kept in the image's attributes as
/// <c>itk.direction</c> (OME has none; <see cref="OmeZarrImage"/> reads it back). Chunks are C order, little-endian,
/// padded with 0 past the image's edge; a chunk's object is made from the pixels that cover it
/// (<see cref="EncodeChunk"/>), so chunks are written independently, and the metadata (<see cref="Metadata(IReadOnlyList{Image}, OmeZarrFormat, string?)"/>) is
/// written last.
/// </summary>
public static class OmeZarrWriter
{
    /// <summary>The path of the level's array in the image.</summary>
    public const string ArrayPath = "0";

    /// <summary>Returns the metadata objects of the image <paramref name="header"/> describes, in the order to write
    /// them: the array's, then the group's (whose multiscales make the image visible to readers).</summary>
    /// <exception cref="ArgumentException">The format names an unknown version or compressor.</exception>
    public static IReadOnlyList<(string Key, byte[] Bytes)> Metadata(Image header, OmeZarrFormat format) => Metadata([header], format);

    /// <summary>Returns the metadata objects of a multiscale image whose levels <paramref name="levels"/> describe
    /// (level k's array at path <c>k</c>), in the order to write them: the arrays', then the group's.</summary>
    /// <param name="levels">The levels, level 0 (the highest resolution) first.</param>
    /// <param name="format">How the image is written.</param>
    /// <param name="method">The method that made the lower levels (ngff-zarr's names: <c>itkwasm_gaussian</c>,
    /// <c>itkwasm_bin_shrink</c>), recorded as the multiscale's <c>type</c>; null for one level.</param>
    /// <exception cref="ArgumentException">The format names an unknown version or compressor.</exception>
    public static IReadOnlyList<(string Key, byte[] Bytes)> Metadata(IReadOnlyList<Image> levels, OmeZarrFormat format, string? method = null)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(format);
        Check(format);
        var header = levels[0];
        var names = AxisNames(header);
        var multiscale = new JsonObject
        {
            ["name"] = header.Name,
            ["axes"] = new JsonArray([.. names.Select(n => (JsonNode)Axis(n, header))]),
            ["datasets"] = new JsonArray([.. levels.Select((level, k) => (JsonNode)new JsonObject
            {
                ["path"] = LevelPath(k),
                ["coordinateTransformations"] = new JsonArray(
                    new JsonObject { ["type"] = "scale", ["scale"] = Numbers(PerAxis(level, level.Spacing, 1)) },
                    new JsonObject { ["type"] = "translation", ["translation"] = Numbers(PerAxis(level, level.Origin, 0)) }),
            })]),
        };
        if (method is not null)
        {
            multiscale["type"] = method;
            multiscale["metadata"] = new JsonObject { ["method"] = method == "itkwasm_bin_shrink" ? "itkwasm_downsample.downsample_bin_shrink" : "itkwasm_downsample.downsample" };
        }

        JsonObject? itk = header.Direction.SequenceEqual(Image.IdentityDirection(header.Size.Length)) ? null : new JsonObject { ["direction"] = Numbers(header.Direction) };
        var type = header.ImageType.ComponentType;
        if (format.Ngff == "0.4")
        {
            multiscale.Insert(0, "version", "0.4");
            var attributes = new JsonObject { ["multiscales"] = new JsonArray(multiscale) };
            if (itk is not null)
            {
                attributes["itk"] = itk;
            }

            var arrays = levels.Select((level, k) => ($"{LevelPath(k)}/.zarray", Json(new JsonObject
            {
                ["zarr_format"] = 2,
                ["shape"] = Numbers(Shapes(level, format).Shape),
                ["chunks"] = Numbers(Shapes(level, format).Chunks),
                ["dtype"] = DataTypeV2(type),
                ["compressor"] = format.Compressor switch
                {
                    "zstd" => new JsonObject { ["id"] = "zstd", ["level"] = 3 },
                    "blosc-zstd" => new JsonObject { ["id"] = "blosc", ["cname"] = "zstd", ["clevel"] = 5, ["shuffle"] = 1, ["blocksize"] = 0 },
                    _ => null,
                },
                ["fill_value"] = 0,
                ["order"] = "C",
                ["filters"] = null,
                ["dimension_separator"] = "/",
            })));
            return [.. arrays, (".zgroup", Json(new JsonObject { ["zarr_format"] = 2 })), (".zattrs", Json(attributes))];
        }

        var codecs = new JsonArray(new JsonObject { ["name"] = "bytes", ["configuration"] = new JsonObject { ["endian"] = "little" } });
        switch (format.Compressor)
        {
            case "zstd":
                codecs.Add(new JsonObject { ["name"] = "zstd", ["configuration"] = new JsonObject { ["level"] = 3, ["checksum"] = false } });
                break;
            case "blosc-zstd":
                codecs.Add(new JsonObject { ["name"] = "blosc", ["configuration"] = new JsonObject { ["cname"] = "zstd", ["clevel"] = 5, ["shuffle"] = "shuffle", ["typesize"] = type.SizeInBytes(), ["blocksize"] = 0 } });
                break;
        }

        var arraysV3 = levels.Select((level, k) => ($"{LevelPath(k)}/zarr.json", Json(new JsonObject
        {
            ["zarr_format"] = 3,
            ["node_type"] = "array",
            ["shape"] = Numbers(Shapes(level, format).Shape),
            ["data_type"] = type.ToItkWasmString(),
            ["chunk_grid"] = new JsonObject { ["name"] = "regular", ["configuration"] = new JsonObject { ["chunk_shape"] = Numbers(Shapes(level, format).Chunks) } },
            ["chunk_key_encoding"] = new JsonObject { ["name"] = "default", ["configuration"] = new JsonObject { ["separator"] = "/" } },
            ["codecs"] = codecs.DeepClone(),
            ["fill_value"] = 0,
            ["dimension_names"] = new JsonArray([.. names.Select(n => (JsonNode)n)]),
            ["attributes"] = new JsonObject(),
        })));
        var ome = new JsonObject { ["version"] = "0.5", ["multiscales"] = new JsonArray(multiscale) };
        var group = new JsonObject { ["zarr_format"] = 3, ["node_type"] = "group", ["attributes"] = itk is null ? new JsonObject { ["ome"] = ome } : new JsonObject { ["ome"] = ome, ["itk"] = itk } };
        return [.. arraysV3, ("zarr.json", Json(group))];
    }

    /// <summary>Returns the index of every chunk of the image <paramref name="header"/> describes (array axes, C
    /// order) that lies in <paramref name="region"/> of it (ITK's index space) entirely, or up to the image's edge.</summary>
    public static IEnumerable<long[]> ChunksIn(Image header, OmeZarrFormat format, ImageRegion region)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(region);
        var chunk = format.ChunkShape(header.Size);
        var first = new long[chunk.Length];
        var count = new long[chunk.Length];
        for (var d = 0; d < chunk.Length; d++)
        {
            first[d] = (region.Index[d] + chunk[d] - 1) / chunk[d];
            var end = region.Index[d] + region.Size[d] == header.Size[d] ? (header.Size[d] + chunk[d] - 1) / chunk[d] : (region.Index[d] + region.Size[d]) / chunk[d];
            count[d] = Math.Max(0, end - first[d]);
        }

        if (count.Any(c => c == 0))
        {
            yield break;
        }

        var at = new long[chunk.Length];
        var channels = header.ImageType.Components > 1;
        do
        {
            var index = at.Select((a, d) => first[d] + a).Reverse();
            yield return channels ? [0, .. index] : [.. index];
        }
        while (GridIndex.Next(at, count, 0));
    }

    /// <summary>Encodes chunk <paramref name="chunk"/> (array axes, as <see cref="ChunksIn"/> gives it) from
    /// <paramref name="pixels"/>, which holds the pixels of the region at <paramref name="at"/> (ITK's index space) of
    /// the image <paramref name="header"/> describes, the chunk inside it.</summary>
    /// <returns>The chunk's key and its bytes.</returns>
    public static (string Key, byte[] Bytes) EncodeChunk(Image header, OmeZarrFormat format, Image pixels, IReadOnlyList<long> at, long[] chunk, int level = 0)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(at);
        ArgumentNullException.ThrowIfNull(chunk);
        var shape = format.ChunkShape(header.Size);
        var dimension = shape.Length;
        var components = (int)header.ImageType.Components;
        var item = header.ImageType.ComponentType.SizeInBytes();
        var pixel = components * item;
        var spatial = chunk[(components > 1 ? 1 : 0)..].Reverse().ToArray(); // ITK order
        var start = spatial.Select((c, d) => c * shape[d]).ToArray();
        var extent = start.Select((s, d) => Math.Min(shape[d], header.Size[d] - s)).ToArray();
        var values = new byte[shape.Aggregate((long)item * components, (p, n) => p * n)];
        var source = pixels.Data.AsSpan();
        var rowBytes = extent[0] * pixel;
        var planeValues = shape.Aggregate(1L, (p, n) => p * n); // one channel's values in the chunk
        var position = new long[dimension];
        var rows = extent.Select((e, d) => d == 0 ? 1 : e).ToArray();
        do
        {
            var from = 0L;
            var to = 0L;
            for (var d = dimension - 1; d >= 0; d--)
            {
                from = (from * pixels.Size[d]) + (start[d] + position[d] - at[d]);
                to = (to * shape[d]) + position[d];
            }

            if (components == 1)
            {
                source.Slice((int)(from * pixel), (int)rowBytes).CopyTo(values.AsSpan((int)(to * item)));
                continue;
            }

            for (var x = 0L; x < extent[0]; x++)
            {
                for (var c = 0; c < components; c++)
                {
                    source.Slice((int)(((from + x) * pixel) + (c * item)), item).CopyTo(values.AsSpan((int)(((c * planeValues) + to + x) * item)));
                }
            }
        }
        while (GridIndex.Next(position, rows, 1));

        return (ChunkKey(format, chunk, level), Encode(format.Compressor, values, item));
    }

    /// <summary>Returns the key of chunk <paramref name="chunk"/> (array axes) of level <paramref name="level"/> in an
    /// image written in <paramref name="format"/>: <c>0/i/j/k</c> (Zarr v2, <c>/</c>-separated) or <c>0/c/i/j/k</c>
    /// (Zarr v3).</summary>
    public static string ChunkKey(OmeZarrFormat format, IReadOnlyList<long> chunk, int level = 0)
    {
        ArgumentNullException.ThrowIfNull(format);
        ArgumentNullException.ThrowIfNull(chunk);
        return $"{LevelPath(level)}/{(format.Ngff == "0.4" ? string.Empty : "c/")}{string.Join('/', chunk)}";
    }

    /// <summary>Returns the path of level <paramref name="level"/>'s array: <c>0</c>, <c>1</c>, ...</summary>
    public static string LevelPath(int level) => level.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes <paramref name="image"/> whole into <paramref name="put"/>: every chunk, then the metadata.</summary>
    /// <param name="image">The image, with its pixels; the caller keeps owning it.</param>
    /// <param name="format">How to write it.</param>
    /// <param name="put">Stores one object by key.</param>
    /// <param name="cancellationToken">Stops the write between objects.</param>
    public static async Task WriteAsync(Image image, OmeZarrFormat format, Func<string, byte[], CancellationToken, Task> put, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(put);
        foreach (var (key, bytes) in Chunks([image], format))
        {
            await put(key, bytes, cancellationToken).ConfigureAwait(false);
        }

        foreach (var (key, bytes) in Metadata(image, format))
        {
            await put(key, bytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Returns every chunk object of the image whose levels (with their pixels) are <paramref name="levels"/>,
    /// level by level, each encoded as it is enumerated.</summary>
    public static IEnumerable<(string Key, byte[] Bytes)> Chunks(IReadOnlyList<Image> levels, OmeZarrFormat format)
    {
        ArgumentNullException.ThrowIfNull(levels);
        for (var k = 0; k < levels.Count; k++)
        {
            var origin = new long[levels[k].Size.Length];
            foreach (var chunk in ChunksIn(levels[k], format, ImageRegion.Whole(levels[k].Size)))
            {
                yield return EncodeChunk(levels[k], format, levels[k], origin, chunk, k);
            }
        }
    }

    private static byte[] Encode(string compressor, byte[] values, int item)
    {
        switch (compressor)
        {
            case "zstd":
                using (var encoded = new MemoryStream())
                {
                    using (var zstd = new ZstdStream(encoded, CompressionMode.Compress, values.Length, leaveOpen: true))
                    {
                        zstd.Write(values);
                    }

                    return encoded.ToArray();
                }

            case "blosc-zstd":
                return ZarrCodecs.BloscCompress(values, item, "zstd", 5);
            default:
                return values;
        }
    }

    private static void Check(OmeZarrFormat format)
    {
        if (!OmeZarrFormat.Versions.Contains(format.Ngff))
        {
            throw new ArgumentException($"ngff \"{format.Ngff}\" is not written; use {string.Join(" or ", OmeZarrFormat.Versions.Select(v => $"\"{v}\""))}", nameof(format));
        }

        if (!OmeZarrFormat.Compressors.Contains(format.Compressor))
        {
            throw new ArgumentException($"the compressor \"{format.Compressor}\" is not written; use {string.Join(", ", OmeZarrFormat.Compressors)}", nameof(format));
        }
    }

    // The array's shape and chunk shape (array axes: c first for several components, then ITK's reversed).
    private static (long[] Shape, long[] Chunks) Shapes(Image header, OmeZarrFormat format)
    {
        var chunks = format.ChunkShape(header.Size).Reverse();
        var shape = header.Size.Reverse();
        var components = (long)header.ImageType.Components;
        return components > 1 ? ([components, .. shape], [components, .. chunks]) : ([.. shape], [.. chunks]);
    }

    private static string[] AxisNames(Image header)
    {
        string[] space = header.Size.Length switch
        {
            2 => ["y", "x"],
            3 => ["z", "y", "x"],
            var d => throw new ArgumentException($"a {d}-D image has no OME-Zarr form here (2-D and 3-D images do)", nameof(header)),
        };
        return header.ImageType.Components > 1 ? ["c", .. space] : space;
    }

    private static JsonObject Axis(string name, Image header)
    {
        var axis = new JsonObject { ["name"] = name, ["type"] = name == "c" ? "channel" : "space" };
        if (name != "c" && header.Metadata.TryGetValue("ome.units", out var units) && units.Kind == MetadataValueKind.StringArray
            && units.AsStringArray() is { } list && list.Count == header.Size.Length && list["xyz".IndexOf(name, StringComparison.Ordinal)] is { Length: > 0 } unit)
        {
            axis["unit"] = unit;
        }

        return axis;
    }

    // ITK-ordered values as OME's axes take them: reversed, with `channel` (1 or 0) for the c axis.
    private static double[] PerAxis(Image header, IReadOnlyList<double> values, double channel) =>
        header.ImageType.Components > 1 ? [channel, .. values.Reverse()] : [.. values.Reverse()];

    private static JsonArray Numbers(IEnumerable<double> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static JsonArray Numbers(IEnumerable<long> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static byte[] Json(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Indented);

    private static string DataTypeV2(ComponentType type) => type switch
    {
        ComponentType.Int8 => "|i1",
        ComponentType.UInt8 => "|u1",
        ComponentType.Int16 => "<i2",
        ComponentType.UInt16 => "<u2",
        ComponentType.Int32 => "<i4",
        ComponentType.UInt32 => "<u4",
        ComponentType.Int64 => "<i8",
        ComponentType.UInt64 => "<u8",
        ComponentType.Float32 => "<f4",
        _ => "<f8",
    };
}
