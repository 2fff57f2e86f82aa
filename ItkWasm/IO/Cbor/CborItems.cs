using System.Buffers.Binary;
using System.Formats.Cbor;

namespace ItkWasm.IO.Cbor;

/// <summary>
/// Decodes and encodes the small items of ITK-Wasm's CBOR formats with <see cref="CborReader"/> and
/// <see cref="CborWriter"/>. Reading is lenient as ITK-Wasm's libcbor reader is (either float width, any integer
/// width); writing reproduces ITK-Wasm's exact encoding: fixed-width u32/u64 integers and float64 (ITKWASM-SPEC §3.3).
/// </summary>
internal static class CborItems
{
    /// <summary>Decodes a captured item with <paramref name="decode"/>, turning any decoding error into an
    /// <see cref="ItkWasmFormatException"/> that names <paramref name="key"/>.</summary>
    public static T Decode<T>(this CborStreamReader source, CapturedItem item, string key, Func<CborReader, T> decode)
    {
        try
        {
            var reader = new CborReader(item.Bytes, CborConformanceMode.Lax);
            return decode(reader);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException
                                      or OverflowException)
        {
            throw source.Error($"{key}: {e.Message}", item.Offset, e);
        }
    }

    /// <summary>Decodes a captured item with <paramref name="decode"/>, for decoders that fill state of their own.</summary>
    public static void Decode(this CborStreamReader source, CapturedItem item, string key, Action<CborReader> decode) =>
        source.Decode(item, key, r =>
        {
            decode(r);
            return true;
        });

    /// <summary>Skips the next value and returns <paramref name="unchanged"/>, for unknown keys inside a type map.</summary>
    public static T Skip<T>(this CborReader reader, T unchanged)
    {
        reader.SkipValue();
        return unchanged;
    }

    /// <summary>Reads an integer or float of any encoded width as a double.</summary>
    public static double ReadNumber(this CborReader reader) => reader.PeekState() switch
    {
        CborReaderState.UnsignedInteger => reader.ReadUInt64(),
        CborReaderState.NegativeInteger => -1.0 - reader.ReadCborNegativeIntegerRepresentation(),
        CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat
            or CborReaderState.DoublePrecisionFloat => reader.ReadDouble(),
        var s => throw new FormatException($"expected a number, found {Describe(s)}"),
    };

    /// <summary>Reads an unsigned integer of any encoded width that fits in a non-negative <see cref="long"/>.</summary>
    public static long ReadCount(this CborReader reader) => reader.PeekState() == CborReaderState.UnsignedInteger
        ? checked((long)reader.ReadUInt64())
        : throw new FormatException($"expected an unsigned integer, found {Describe(reader.PeekState())}");

    /// <summary>Reads an unsigned integer that fits in a non-negative <see cref="int"/>.</summary>
    public static int ReadSmallCount(this CborReader reader) => checked((int)reader.ReadCount());

    /// <summary>Reads a text string.</summary>
    public static string ReadText(this CborReader reader) => reader.PeekState() == CborReaderState.TextString
        ? reader.ReadTextString()
        : throw new FormatException($"expected a text string, found {Describe(reader.PeekState())}");

    /// <summary>Reads an array of numbers.</summary>
    public static double[] ReadNumberArray(this CborReader reader) => reader.ReadArray(ReadNumber);

    /// <summary>Reads an array of counts (image sizes).</summary>
    public static long[] ReadCountArray(this CborReader reader) => reader.ReadArray(ReadCount);

    /// <summary>Reads a definite array whose elements <paramref name="element"/> decodes.</summary>
    public static T[] ReadArray<T>(this CborReader reader, Func<CborReader, T> element)
    {
        if (reader.PeekState() != CborReaderState.StartArray)
        {
            throw new FormatException($"expected an array, found {Describe(reader.PeekState())}");
        }

        var count = reader.ReadStartArray() ?? throw new FormatException("indefinite-length arrays are not supported");
        var values = new T[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = element(reader);
        }

        reader.ReadEndArray();
        return values;
    }

    /// <summary>Reads a definite map, calling <paramref name="entry"/> with each key; the callback reads the value.</summary>
    public static void ReadMap(this CborReader reader, Action<string, CborReader> entry)
    {
        if (reader.PeekState() != CborReaderState.StartMap)
        {
            throw new FormatException($"expected a map, found {Describe(reader.PeekState())}");
        }

        var count = reader.ReadStartMap() ?? throw new FormatException("indefinite-length maps are not supported");
        for (var i = 0; i < count; i++)
        {
            entry(reader.ReadText(), reader);
        }

        reader.ReadEndMap();
    }

    /// <summary>Reads a component type string.</summary>
    public static ComponentType ReadComponentType(this CborReader reader)
    {
        var s = reader.ReadText();
        return ItkWasmEnums.TryParseComponentType(s, out var t)
            ? t
            : throw new FormatException($"unknown component type \"{s}\"");
    }

    /// <summary>Reads a pixel type string.</summary>
    public static PixelType ReadPixelType(this CborReader reader)
    {
        var s = reader.ReadText();
        return ItkWasmEnums.TryParsePixelType(s, out var t) ? t : throw new FormatException($"unknown pixel type \"{s}\"");
    }

    /// <summary>
    /// Reads a metadata map (ITKWASM-SPEC §3.3). Booleans, numbers (integers become doubles), strings, and arrays of
    /// numbers, strings or number arrays are kept; entries of other types are skipped, as ITK-Wasm's reader does.
    /// </summary>
    public static void ReadMetadata(this CborReader reader, OrderedDictionary<string, MetadataValue> metadata) =>
        reader.ReadMap((key, r) =>
        {
            var encoded = r.ReadEncodedValue();
            if (TryReadMetadataValue(new CborReader(encoded, CborConformanceMode.Lax)) is { } value)
            {
                metadata[key] = value;
            }
        });

    /// <summary>Writes <paramref name="value"/> as a 5-byte <c>0x1a</c> unsigned integer, as libcbor's
    /// <c>cbor_build_uint32</c> does.</summary>
    public static void WriteUInt32Fixed(this CborWriter writer, long value)
    {
        Span<byte> bytes = stackalloc byte[5];
        bytes[0] = 0x1a;
        BinaryPrimitives.WriteUInt32BigEndian(bytes[1..], checked((uint)value));
        writer.WriteEncodedValue(bytes);
    }

    /// <summary>Writes <paramref name="value"/> as a 9-byte <c>0x1b</c> unsigned integer, as libcbor's
    /// <c>cbor_build_uint64</c> does.</summary>
    public static void WriteUInt64Fixed(this CborWriter writer, long value)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = 0x1b;
        BinaryPrimitives.WriteUInt64BigEndian(bytes[1..], checked((ulong)value));
        writer.WriteEncodedValue(bytes);
    }

    /// <summary>Writes <paramref name="value"/> as a 9-byte <c>0xfb</c> float64, as libcbor's <c>cbor_build_float8</c>
    /// does. (<see cref="CborWriter.WriteDouble"/> would shorten values that fit a half or single.)</summary>
    public static void WriteFloat64Fixed(this CborWriter writer, double value)
    {
        Span<byte> bytes = stackalloc byte[9];
        bytes[0] = 0xfb;
        BinaryPrimitives.WriteDoubleBigEndian(bytes[1..], value);
        writer.WriteEncodedValue(bytes);
    }

    /// <summary>Writes an array of float64.</summary>
    public static void WriteDoubleArray(this CborWriter writer, IReadOnlyCollection<double> values)
    {
        writer.WriteStartArray(values.Count);
        foreach (var v in values)
        {
            writer.WriteFloat64Fixed(v);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes an array of fixed-width u64 counts.</summary>
    public static void WriteCountArray(this CborWriter writer, IReadOnlyCollection<long> values)
    {
        writer.WriteStartArray(values.Count);
        foreach (var v in values)
        {
            writer.WriteUInt64Fixed(v);
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes a metadata map in dictionary order, with ITK-Wasm's encodings (ITKWASM-SPEC §3.3).</summary>
    public static void WriteMetadata(this CborWriter writer, OrderedDictionary<string, MetadataValue> metadata)
    {
        writer.WriteStartMap(metadata.Count);
        foreach (var (key, value) in metadata)
        {
            writer.WriteTextString(key);
            switch (value.Kind)
            {
                case MetadataValueKind.Boolean:
                    writer.WriteBoolean(value.AsBoolean());
                    break;
                case MetadataValueKind.Number:
                    writer.WriteFloat64Fixed(value.AsNumber());
                    break;
                case MetadataValueKind.String:
                    writer.WriteTextString(value.AsString());
                    break;
                case MetadataValueKind.NumberArray:
                    writer.WriteDoubleArray(value.AsNumberArray().ToArray());
                    break;
                case MetadataValueKind.StringArray:
                    writer.WriteStartArray(value.AsStringArray().Count);
                    foreach (var s in value.AsStringArray())
                    {
                        writer.WriteTextString(s);
                    }

                    writer.WriteEndArray();
                    break;
                default:
                    writer.WriteStartArray(value.AsNumberMatrix().Count);
                    foreach (var row in value.AsNumberMatrix())
                    {
                        writer.WriteDoubleArray(row.ToArray());
                    }

                    writer.WriteEndArray();
                    break;
            }
        }

        writer.WriteEndMap();
    }

    /// <summary>
    /// Returns the tag number ITK-Wasm writes before a typed array of <paramref name="componentType"/>
    /// (<c>writeCBORBuffer</c> in ITK-Wasm's <c>src/itkWasmIOCommon.cxx</c>), including its wrong ones: int8 as uint8
    /// (64), and int16/int32/int64 as the big-endian RFC 8746 tags (73/74/75) although the bytes are little-endian.
    /// </summary>
    public static ulong TypedArrayTag(ComponentType componentType) => componentType switch
    {
        ComponentType.UInt8 or ComponentType.Int8 => 64,
        ComponentType.UInt16 => 69,
        ComponentType.Int16 => 73,
        ComponentType.UInt32 => 70,
        ComponentType.Int32 => 74,
        ComponentType.UInt64 => 71,
        ComponentType.Int64 => 75,
        ComponentType.Float32 => 85,
        _ => 86,
    };

    private static MetadataValue? TryReadMetadataValue(CborReader r)
    {
        switch (r.PeekState())
        {
            case CborReaderState.Boolean:
                return MetadataValue.FromBoolean(r.ReadBoolean());
            case CborReaderState.TextString:
                return MetadataValue.FromString(r.ReadTextString());
            case CborReaderState.StartArray:
                return TryReadMetadataArray(r);
            default:
                return IsNumber(r.PeekState()) ? MetadataValue.FromNumber(r.ReadNumber()) : null;
        }
    }

    private static MetadataValue? TryReadMetadataArray(CborReader r)
    {
        var count = r.ReadStartArray() ?? throw new FormatException("indefinite-length arrays are not supported");
        if (count == 0)
        {
            return MetadataValue.FromNumberArray([]);
        }

        var first = r.PeekState();
        if (IsNumber(first))
        {
            var values = new double[count];
            for (var i = 0; i < count; i++)
            {
                if (!IsNumber(r.PeekState()))
                {
                    return null;
                }

                values[i] = r.ReadNumber();
            }

            return MetadataValue.FromNumberArray(values);
        }

        if (first == CborReaderState.TextString)
        {
            var values = new string[count];
            for (var i = 0; i < count; i++)
            {
                if (r.PeekState() != CborReaderState.TextString)
                {
                    return null;
                }

                values[i] = r.ReadTextString();
            }

            return MetadataValue.FromStringArray(values);
        }

        if (first == CborReaderState.StartArray)
        {
            var rows = new double[count][];
            for (var i = 0; i < count; i++)
            {
                if (r.PeekState() != CborReaderState.StartArray || r.ReadRowOfNumbers() is not { } row)
                {
                    return null;
                }

                rows[i] = row;
            }

            return MetadataValue.FromNumberMatrix(rows);
        }

        return null;
    }

    private static double[]? ReadRowOfNumbers(this CborReader r)
    {
        var count = r.ReadStartArray() ?? throw new FormatException("indefinite-length arrays are not supported");
        var row = new double[count];
        for (var i = 0; i < count; i++)
        {
            if (!IsNumber(r.PeekState()))
            {
                return null;
            }

            row[i] = r.ReadNumber();
        }

        r.ReadEndArray();
        return row;
    }

    private static bool IsNumber(CborReaderState state) => state is CborReaderState.UnsignedInteger
        or CborReaderState.NegativeInteger or CborReaderState.HalfPrecisionFloat
        or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat;

    private static string Describe(CborReaderState state) => state switch
    {
        CborReaderState.StartArray => "an array",
        CborReaderState.StartMap => "a map",
        CborReaderState.TextString => "a text string",
        CborReaderState.ByteString => "a byte string",
        CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger => "an integer",
        CborReaderState.Tag => "a tag",
        CborReaderState.Boolean => "a boolean",
        CborReaderState.Null => "null",
        _ when IsNumber(state) => "a float",
        _ => state.ToString(),
    };
}
