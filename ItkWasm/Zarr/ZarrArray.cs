using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;

namespace ItkWasm.Zarr;

/// <summary>
/// A Zarr array read by chunks: Zarr v2 (<c>.zarray</c>: <c>shape</c>, <c>chunks</c>, <c>dtype</c>,
/// <c>compressor</c>, <c>fill_value</c>, <c>order</c>, <c>dimension_separator</c>) or Zarr v3 (<c>zarr.json</c>:
/// <c>shape</c>, a regular <c>chunk_grid</c>, <c>data_type</c>, <c>chunk_key_encoding</c>, <c>codecs</c> (<c>bytes</c>
/// then <see cref="ZarrCodecs">bytes-to-bytes codecs</see>, or <c>sharding_indexed</c> around them),
/// <c>fill_value</c>). Shapes and indices are in the array's own axis order, C order (the last axis varies fastest);
/// read values are little-endian. A missing chunk (or a shard's empty entry) holds the fill value. Not supported, with
/// a message that says so: Fortran order, v2 filters, the <c>transpose</c> codec, and data types other than the
/// integers and floats ITK-Wasm has. Thread-safe.
/// </summary>
public sealed class ZarrArray
{
    private readonly IZarrStore store;
    private readonly string path;
    private readonly string[] codecs; // bytes-to-bytes, in encoding order
    private readonly Func<long[], string> key;
    private readonly byte[] fill;
    private readonly bool bigEndian;
    private readonly Sharding? sharding;

    private ZarrArray(IZarrStore store, string path, long[] shape, int[] chunkShape, ComponentType type, bool bigEndian, byte[] fill, string[] codecs, Func<long[], string> key, Sharding? sharding)
    {
        (this.store, this.path, Shape, ChunkShape, ComponentType, this.bigEndian, this.fill, this.codecs, this.key, this.sharding) = (store, path, shape, chunkShape, type, bigEndian, fill, codecs, key, sharding);
        ItemBytes = type.SizeInBytes();
    }

    /// <summary>Gets the array's shape, per axis.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Gets the shape of the chunks it is read by: its chunks', or its shards' inner chunks'.</summary>
    public IReadOnlyList<int> ChunkShape { get; }

    /// <summary>Gets the shape of its stored objects: its chunks', or its shards'.</summary>
    public IReadOnlyList<int> ObjectShape => sharding?.Shape ?? ChunkShape;

    /// <summary>Gets the type of its values.</summary>
    public ComponentType ComponentType { get; }

    /// <summary>Gets the bytes of one value.</summary>
    public int ItemBytes { get; }

    /// <summary>Gets the codecs, for <c>info</c>: the bytes-to-bytes codecs in encoding order, and <c>sharding</c>
    /// with its inner ones.</summary>
    public string Codecs => sharding is null ? Describe(codecs) : $"sharding_indexed {string.Join('×', sharding.Shape)} ({Describe(codecs)})";

    /// <summary>Opens the array whose metadata lies under <paramref name="path"/> (<c>""</c> for the root, else ending
    /// in <c>'/'</c>): its <c>zarr.json</c>, else its <c>.zarray</c>.</summary>
    /// <exception cref="ZarrFormatException">Neither exists, or the metadata is malformed or unsupported; the message
    /// names the object.</exception>
    public static async Task<ZarrArray> OpenAsync(IZarrStore store, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(path);
        if (await store.GetAsync(path + "zarr.json", cancellationToken).ConfigureAwait(false) is { } v3)
        {
            return Parse(store, path, path + "zarr.json", v3, V3);
        }

        if (await store.GetAsync(path + ".zarray", cancellationToken).ConfigureAwait(false) is { } v2)
        {
            return Parse(store, path, path + ".zarray", v2, V2);
        }

        throw new ZarrFormatException(store.Description, path + "zarr.json", "no Zarr array here (neither zarr.json nor .zarray)");
    }

    /// <summary>Reads the values of the box <paramref name="start"/> + <paramref name="size"/> (array axes, inside
    /// the array) into <paramref name="destination"/>: the value at box position <c>p</c> goes to byte offset
    /// <c>Σ p[a] · strides[a]</c>. Only the chunks the box touches are read, each once.</summary>
    /// <exception cref="ZarrFormatException">A chunk or shard is malformed; the message names it.</exception>
    public async Task ReadAsync(long[] start, long[] size, DataBuffer destination, long[] strides, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(size);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(strides);
        var rank = Shape.Count;
        if (start.Length != rank || size.Length != rank || strides.Length != rank || Enumerable.Range(0, rank).Any(a => start[a] < 0 || size[a] < 0 || start[a] + size[a] > Shape[a]))
        {
            throw new ArgumentException($"the box [{string.Join(", ", start)}] + [{string.Join(", ", size)}] does not lie inside the array [{string.Join(", ", Shape)}]");
        }

        if (size.Any(s => s == 0))
        {
            return;
        }

        var first = Enumerable.Range(0, rank).Select(a => start[a] / ChunkShape[a]).ToArray();
        var last = Enumerable.Range(0, rank).Select(a => (start[a] + size[a] - 1) / ChunkShape[a]).ToArray();
        var count = Enumerable.Range(0, rank).Select(a => last[a] - first[a] + 1).ToArray();
        var indexes = new Dictionary<string, ulong[]?>(StringComparer.Ordinal); // shard indexes read for this box
        var at = new long[rank];
        do
        {
            var chunk = Enumerable.Range(0, rank).Select(a => first[a] + at[a]).ToArray();
            var values = await ReadChunkAsync(chunk, indexes, cancellationToken).ConfigureAwait(false);
            Copy(chunk, values, start, size, destination, strides);
        }
        while (Next(at, count));
    }

    // The decoded chunk (C order, little-endian, the whole chunk shape), or null when it holds only the fill value.
    private async Task<byte[]?> ReadChunkAsync(long[] chunk, Dictionary<string, ulong[]?> indexes, CancellationToken cancellationToken)
    {
        byte[]? encoded;
        string name;
        if (sharding is null)
        {
            name = key(chunk);
            encoded = await store.GetAsync(name, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var per = Enumerable.Range(0, chunk.Length).Select(a => sharding.Shape[a] / ChunkShape[a]).ToArray();
            name = key([.. chunk.Select((c, a) => c / per[a])]);
            if (!indexes.TryGetValue(name, out var index))
            {
                indexes[name] = index = await ReadShardIndexAsync(name, per.Aggregate(1, (p, n) => p * n), cancellationToken).ConfigureAwait(false);
            }

            var inner = 0L;
            for (var a = 0; a < chunk.Length; a++)
            {
                inner = (inner * per[a]) + (chunk[a] % per[a]);
            }

            var (offset, length) = index is null ? (ulong.MaxValue, ulong.MaxValue) : (index[2 * inner], index[(2 * inner) + 1]);
            if (offset == ulong.MaxValue && length == ulong.MaxValue)
            {
                return null;
            }

            encoded = length > int.MaxValue || offset > long.MaxValue
                ? throw new ZarrFormatException(store.Description, name, $"its index places inner chunk {inner} at {offset} + {length} bytes")
                : await Range(name, (long)offset, (int)length, cancellationToken).ConfigureAwait(false);
            name = $"{name} (inner chunk {inner})";
        }

        if (encoded is null)
        {
            return null;
        }

        var expected = (long)ItemBytes * ChunkShape.Aggregate(1L, (p, n) => p * n);
        try
        {
            for (var c = codecs.Length - 1; c >= 0; c--)
            {
                encoded = ZarrCodecs.Decode(codecs[c], encoded, c == 0 && codecs[0] != "crc32c" ? expected : -1);
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ZarrFormatException(store.Description, name, $"cannot be decoded: {e.Message}", e);
        }

        if (encoded.Length != expected)
        {
            throw new ZarrFormatException(store.Description, name, $"decodes to {encoded.Length} bytes; a chunk of [{string.Join(", ", ChunkShape)}] {ComponentType.ToItkWasmString()} has {expected}");
        }

        if (bigEndian && ItemBytes > 1)
        {
            for (var i = 0; i < encoded.Length; i += ItemBytes)
            {
                encoded.AsSpan(i, ItemBytes).Reverse();
            }
        }

        return encoded;
    }

    private async Task<ulong[]?> ReadShardIndexAsync(string name, int chunks, CancellationToken cancellationToken)
    {
        var bytes = (16 * chunks) + (sharding!.IndexChecksum ? 4 : 0);
        var index = await Range(name, sharding.IndexAtEnd ? -bytes : 0, bytes, cancellationToken).ConfigureAwait(false);
        if (index is null)
        {
            return null; // no shard: every chunk in it holds the fill value
        }

        if (sharding.IndexChecksum)
        {
            try
            {
                index = ZarrCodecs.Decode("crc32c", index, -1);
            }
            catch (InvalidDataException e)
            {
                throw new ZarrFormatException(store.Description, name, $"its shard index cannot be read: {e.Message}", e);
            }
        }

        var entries = new ulong[2 * chunks];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = BinaryPrimitives.ReadUInt64LittleEndian(index.AsSpan(8 * i));
        }

        return entries;
    }

    private async Task<byte[]?> Range(string name, long offset, int length, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetRangeAsync(name, offset, length, cancellationToken).ConfigureAwait(false);
        }
        catch (EndOfStreamException e)
        {
            throw new ZarrFormatException(store.Description, name, $"is shorter than the {length} bytes at {offset} its shard index points to", e);
        }
    }

    // Copies the part of chunk `chunk` (its values, or the fill value when null) that lies in the box.
    private void Copy(long[] chunk, byte[]? values, long[] start, long[] size, DataBuffer destination, long[] strides)
    {
        var rank = chunk.Length;
        var lo = new long[rank];
        var extent = new long[rank];
        for (var a = 0; a < rank; a++)
        {
            var chunkStart = chunk[a] * ChunkShape[a];
            lo[a] = Math.Max(start[a], chunkStart);
            extent[a] = Math.Min(start[a] + size[a], chunkStart + ChunkShape[a]) - lo[a];
        }

        var rowLength = extent[rank - 1];
        var contiguous = strides[rank - 1] == ItemBytes;
        var at = new long[rank];
        do
        {
            long source = 0, target = 0;
            for (var a = 0; a < rank; a++)
            {
                var p = lo[a] + at[a];
                source = (source * ChunkShape[a]) + (p - (chunk[a] * ChunkShape[a]));
                target += (p - start[a]) * strides[a];
            }

            if (values is not null && contiguous)
            {
                values.AsSpan((int)(source * ItemBytes), (int)(rowLength * ItemBytes)).CopyTo(destination.AsSpan(target, (int)(rowLength * ItemBytes)));
                continue;
            }

            for (var x = 0L; x < rowLength; x++)
            {
                ReadOnlySpan<byte> value = values is null ? fill : values.AsSpan((int)((source + x) * ItemBytes), ItemBytes);
                value.CopyTo(destination.AsSpan(target + (x * strides[rank - 1]), ItemBytes));
            }
        }
        while (rank > 1 && Next(at, extent, rank - 2));
    }

    // Steps `at` through the box `count` (C order: the last axis, or `from`, fastest); false once done.
    private static bool Next(long[] at, long[] count, int from = -1)
    {
        for (var a = from < 0 ? at.Length - 1 : from; a >= 0; a--)
        {
            if (++at[a] < count[a])
            {
                return true;
            }

            at[a] = 0;
        }

        return false;
    }

    private delegate ZarrArray Reader(IZarrStore store, string path, string name, JsonElement root);

    private static ZarrArray Parse(IZarrStore store, string path, string name, byte[] json, Reader read)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return read(store, path, name, document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException)
        {
            throw new ZarrFormatException(store.Description, name, e.Message, e);
        }
    }

    private static ZarrArray V2(IZarrStore store, string path, string name, JsonElement root)
    {
        var shape = Longs(root.GetProperty("shape"));
        var chunks = Ints(root.GetProperty("chunks"), shape.Length, "chunks");
        var (type, big) = DataTypeV2(root.GetProperty("dtype").GetString()!);
        if (root.TryGetProperty("order", out var order) && order.GetString() != "C")
        {
            throw new InvalidDataException($"order \"{order.GetString()}\": only C order is read");
        }

        if (root.TryGetProperty("filters", out var filters) && filters.ValueKind == JsonValueKind.Array && filters.GetArrayLength() > 0)
        {
            throw new InvalidDataException("v2 filters are not read");
        }

        string[] codecs = root.TryGetProperty("compressor", out var compressor) && compressor.ValueKind != JsonValueKind.Null ? [ZarrCodecs.FromV2(compressor)] : [];
        var separator = root.TryGetProperty("dimension_separator", out var s) ? s.GetString()! : ".";
        return new ZarrArray(store, path, shape, chunks, type, big, Fill(root, type), codecs, c => path + (c.Length == 0 ? "0" : string.Join(separator, c)), null);
    }

    private static ZarrArray V3(IZarrStore store, string path, string name, JsonElement root)
    {
        if (root.GetProperty("node_type").GetString() != "array")
        {
            throw new InvalidDataException("not an array (node_type is not \"array\")");
        }

        var shape = Longs(root.GetProperty("shape"));
        var grid = root.GetProperty("chunk_grid");
        if (grid.GetProperty("name").GetString() != "regular")
        {
            throw new InvalidDataException($"the chunk grid '{grid.GetProperty("name").GetString()}' is not read (only \"regular\")");
        }

        var objects = Ints(grid.GetProperty("configuration").GetProperty("chunk_shape"), shape.Length, "chunk_shape");
        var type = DataTypeV3(root.GetProperty("data_type").GetString()!);
        var encoding = root.TryGetProperty("chunk_key_encoding", out var e) ? e : default;
        var v2Keys = encoding.ValueKind == JsonValueKind.Object && encoding.GetProperty("name").GetString() == "v2";
        var separator = encoding.ValueKind == JsonValueKind.Object && encoding.TryGetProperty("configuration", out var kc) && kc.TryGetProperty("separator", out var ks) ? ks.GetString()! : v2Keys ? "." : "/";
        Func<long[], string> key = v2Keys
            ? c => path + (c.Length == 0 ? "0" : string.Join(separator, c))
            : c => path + string.Join(separator, c.Select(i => i.ToString(CultureInfo.InvariantCulture)).Prepend("c"));
        var (codecs, big, sharding) = CodecsV3(root.GetProperty("codecs"), objects, type.SizeInBytes());
        return new ZarrArray(store, path, shape, sharding?.Inner ?? objects, type, big, Fill(root, type), codecs, key, sharding);
    }

    // The codecs of an array (or of a shard's inner chunks): array-to-bytes `bytes` (its endianness) or
    // `sharding_indexed`, then bytes-to-bytes ones.
    private static (string[] Codecs, bool BigEndian, Sharding? Sharding) CodecsV3(JsonElement list, int[] shape, int itemBytes)
    {
        var codecs = new List<string>();
        var big = false;
        Sharding? sharding = null;
        foreach (var codec in list.EnumerateArray())
        {
            var name = codec.ValueKind == JsonValueKind.String ? codec.GetString()! : codec.GetProperty("name").GetString()!;
            var configuration = codec.ValueKind == JsonValueKind.Object && codec.TryGetProperty("configuration", out var c) ? c : default;
            switch (name)
            {
                case "bytes":
                    big = configuration.ValueKind == JsonValueKind.Object && configuration.TryGetProperty("endian", out var endian) && endian.GetString() == "big" && itemBytes > 1;
                    break;
                case "sharding_indexed":
                    var inner = Ints(configuration.GetProperty("chunk_shape"), shape.Length, "sharding chunk_shape");
                    if (inner.Where((n, a) => n <= 0 || shape[a] % n != 0).Any())
                    {
                        throw new InvalidDataException($"the shard shape [{string.Join(", ", shape)}] is not a multiple of its chunk shape [{string.Join(", ", inner)}]");
                    }

                    var (innerCodecs, innerBig, nested) = CodecsV3(configuration.GetProperty("codecs"), inner, itemBytes);
                    if (nested is not null)
                    {
                        throw new InvalidDataException("nested sharding is not read");
                    }

                    var indexCodecs = configuration.TryGetProperty("index_codecs", out var ic) ? ic.EnumerateArray().Select(x => x.GetProperty("name").GetString()!).ToArray() : ["bytes", "crc32c"];
                    if (indexCodecs.Any(n => n is not ("bytes" or "crc32c")))
                    {
                        throw new InvalidDataException($"the shard index codecs [{string.Join(", ", indexCodecs)}] are not read (only bytes and crc32c)");
                    }

                    var atEnd = !configuration.TryGetProperty("index_location", out var location) || location.GetString() != "start";
                    codecs.AddRange(innerCodecs);
                    big = innerBig;
                    sharding = new Sharding(shape, inner, atEnd, indexCodecs.Contains("crc32c"));
                    break;
                case "transpose":
                    throw new InvalidDataException("the transpose codec is not read");
                default:
                    if (sharding is not null)
                    {
                        throw new InvalidDataException($"a codec ('{name}') after sharding_indexed is not read");
                    }

                    codecs.Add(ZarrCodecs.Known.Contains(name) ? name : throw new InvalidDataException($"the codec '{name}' is not one this reader knows ({string.Join(", ", ZarrCodecs.Known.Order(StringComparer.Ordinal))})"));
                    break;
            }
        }

        return ([.. codecs], big, sharding);
    }

    // One value's fill bytes, little-endian (null, absent or unparsable: zero).
    private static byte[] Fill(JsonElement root, ComponentType type)
    {
        var bytes = new byte[type.SizeInBytes()];
        if (!root.TryGetProperty("fill_value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return bytes;
        }

        double number;
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (text.StartsWith("0x", StringComparison.Ordinal))
            {
                var raw = ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes.Length == 8 ? bytes : new byte[8], raw);
                if (bytes.Length == 4)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)raw);
                }

                return bytes;
            }

            number = text switch { "NaN" => double.NaN, "Infinity" => double.PositiveInfinity, "-Infinity" => double.NegativeInfinity, _ => throw new InvalidDataException($"fill_value \"{text}\" is not a number") };
        }
        else
        {
            number = value.ValueKind == JsonValueKind.True ? 1 : value.ValueKind == JsonValueKind.False ? 0 : value.GetDouble();
        }

        switch (type)
        {
            case ComponentType.Int8: bytes[0] = (byte)(sbyte)number; break;
            case ComponentType.UInt8: bytes[0] = (byte)number; break;
            case ComponentType.Int16: BinaryPrimitives.WriteInt16LittleEndian(bytes, (short)number); break;
            case ComponentType.UInt16: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)number); break;
            case ComponentType.Int32: BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)number); break;
            case ComponentType.UInt32: BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)number); break;
            case ComponentType.Int64: BinaryPrimitives.WriteInt64LittleEndian(bytes, value.ValueKind == JsonValueKind.Number ? value.GetInt64() : (long)number); break;
            case ComponentType.UInt64: BinaryPrimitives.WriteUInt64LittleEndian(bytes, value.ValueKind == JsonValueKind.Number ? value.GetUInt64() : (ulong)number); break;
            case ComponentType.Float32: BinaryPrimitives.WriteSingleLittleEndian(bytes, (float)number); break;
            case ComponentType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(bytes, number); break;
        }

        return bytes;
    }

    // numpy's typestr: byte order ('<', '>', '|') then kind and size: i1 u1 i2 u2 i4 u4 i8 u8 f4 f8.
    private static (ComponentType Type, bool BigEndian) DataTypeV2(string dtype) =>
        dtype.Length == 3 && dtype[0] is '<' or '>' or '|'
            ? (DataTypeV3(dtype[1..] switch
            {
                "i1" => "int8",
                "u1" => "uint8",
                "b1" => "bool",
                "i2" => "int16",
                "u2" => "uint16",
                "i4" => "int32",
                "u4" => "uint32",
                "i8" => "int64",
                "u8" => "uint64",
                "f4" => "float32",
                "f8" => "float64",
                _ => dtype,
            }), dtype[0] == '>')
            : throw new InvalidDataException($"the dtype \"{dtype}\" is not one ITK-Wasm has (integers and floats: <u1, <i2, <f4, ...)");

    private static ComponentType DataTypeV3(string name) => name switch
    {
        "int8" => ComponentType.Int8,
        "uint8" or "bool" => ComponentType.UInt8,
        "int16" => ComponentType.Int16,
        "uint16" => ComponentType.UInt16,
        "int32" => ComponentType.Int32,
        "uint32" => ComponentType.UInt32,
        "int64" => ComponentType.Int64,
        "uint64" => ComponentType.UInt64,
        "float32" => ComponentType.Float32,
        "float64" => ComponentType.Float64,
        _ => throw new InvalidDataException($"the data type \"{name}\" is not one ITK-Wasm has (int8 … uint64, float32, float64)"),
    };

    private static long[] Longs(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt64() >= 0 ? e.GetInt64() : throw new InvalidDataException("a negative shape"))];

    private static int[] Ints(JsonElement array, int rank, string what)
    {
        var values = array.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return values.Length == rank && values.All(v => v > 0) ? values : throw new InvalidDataException($"{what} [{string.Join(", ", values)}] does not give {rank} positive sizes");
    }

    private static string Describe(string[] codecs) => codecs.Length == 0 ? "none" : string.Join(" + ", codecs);

    // A sharded array: its shards' shape, its inner chunks' shape, where each shard's index lies and whether it ends
    // with a crc32c.
    private sealed record Sharding(int[] Shape, int[] Inner, bool IndexAtEnd, bool IndexChecksum);
}
