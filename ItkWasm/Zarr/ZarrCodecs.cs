using System.IO.Compression;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;
using ItkWasm.IO.Zstd;

namespace ItkWasm.Zarr;

/// <summary>
/// The Zarr codecs this reader decodes: the bytes-to-bytes compressors of Zarr v3 (<c>blosc</c>, <c>zstd</c>,
/// <c>gzip</c>, <c>crc32c</c>; the Zarr v3 core specification and its codec extensions) and Zarr v2's compressors
/// (numcodecs' <c>blosc</c>, <c>zstd</c>, <c>gzip</c>, <c>zlib</c>). Blosc is the system's libblosc
/// (<c>libblosc.so.1</c>, Debian's <c>libblosc1</c>), which reads every Blosc-1 frame whatever its inner compressor
/// (blosclz, lz4, lz4hc, zlib, zstd) and shuffle; zstd is the system's libzstd; gzip and zlib are .NET's.
/// </summary>
internal static partial class ZarrCodecs
{
    /// <summary>The names of the bytes-to-bytes codecs <see cref="Decode"/> knows.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal) { "blosc", "zstd", "gzip", "zlib", "crc32c" };

    /// <summary>Decodes <paramref name="encoded"/> with the codec <paramref name="name"/>.</summary>
    /// <param name="name">The codec: one of <see cref="Known"/>.</param>
    /// <param name="encoded">The bytes the codec produced.</param>
    /// <param name="expected">The decoded length when known (the last codec before the array's bytes), else -1.</param>
    /// <exception cref="InvalidDataException">The bytes are not what the codec produces.</exception>
    public static byte[] Decode(string name, byte[] encoded, long expected)
    {
        switch (name)
        {
            case "blosc":
                return Blosc.Decompress(encoded);
            case "zstd":
                return ReadAll(new ZstdStream(new MemoryStream(encoded, writable: false), CompressionMode.Decompress), expected);
            case "gzip":
                return ReadAll(new GZipStream(new MemoryStream(encoded, writable: false), CompressionMode.Decompress), expected);
            case "zlib":
                return ReadAll(new ZLibStream(new MemoryStream(encoded, writable: false), CompressionMode.Decompress), expected);
            case "crc32c":
                if (encoded.Length < 4)
                {
                    throw new InvalidDataException("shorter than its crc32c checksum");
                }

                var body = encoded.AsSpan(0, encoded.Length - 4);
                if (Crc32C(body) != BitConverter.ToUInt32(encoded, encoded.Length - 4))
                {
                    throw new InvalidDataException("its crc32c checksum does not match its bytes");
                }

                return body.ToArray();
            default:
                throw new InvalidDataException($"the codec '{name}' is not one this reader knows ({string.Join(", ", Known.Order(StringComparer.Ordinal))})");
        }
    }

    /// <summary>Returns the CRC-32C (Castagnoli) of <paramref name="bytes"/>, as the <c>crc32c</c> codec stores it.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> bytes)
    {
        var crc = uint.MaxValue;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var word in words)
        {
            crc = BitOperations.Crc32C(crc, word);
        }

        foreach (var b in bytes[(words.Length * 8)..])
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    /// <summary>Returns the name of a v2 compressor (<c>{"id": ...}</c>) as the bytes-to-bytes codec that decodes it.</summary>
    /// <exception cref="InvalidDataException">It has no id, or one this reader does not know.</exception>
    public static string FromV2(JsonElement compressor)
    {
        var id = compressor.ValueKind == JsonValueKind.Object && compressor.TryGetProperty("id", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException("a compressor without an \"id\"");
        return Known.Contains(id) && id != "crc32c" ? id : throw new InvalidDataException($"the compressor '{id}' is not one this reader knows (blosc, zstd, gzip, zlib)");
    }

    /// <summary>Compresses <paramref name="values"/> as one Blosc-1 frame with byte shuffle, the inner compressor
    /// <paramref name="compressor"/> (<c>zstd</c>, <c>lz4</c>, ...) at <paramref name="level"/>.</summary>
    public static byte[] BloscCompress(byte[] values, int typeSize, string compressor, int level) => Blosc.Compress(values, typeSize, compressor, level);

    private static byte[] ReadAll(Stream decoder, long expected)
    {
        using (decoder)
        {
            if (expected >= 0)
            {
                var bytes = new byte[expected];
                decoder.ReadExactly(bytes);
                return decoder.ReadByte() == -1 ? bytes : throw new InvalidDataException($"it decodes to more than the {expected} bytes of a chunk");
            }

            using var all = new MemoryStream();
            decoder.CopyTo(all);
            return all.ToArray();
        }
    }

    /// <summary>libblosc 1.x (blosc.h): <c>blosc_cbuffer_sizes</c>, and the thread-safe <c>blosc_compress_ctx</c> and
    /// <c>blosc_decompress_ctx</c>.</summary>
    private static unsafe partial class Blosc
    {
        private const string Library = "libblosc.so.1";
        private const int HeaderBytes = 16; // BLOSC_MIN_HEADER_LENGTH

        public static byte[] Decompress(byte[] frame)
        {
            if (frame.Length < HeaderBytes)
            {
                throw new InvalidDataException("shorter than a Blosc header");
            }

            nuint decoded, compressed, block;
            fixed (byte* source = frame)
            {
                blosc_cbuffer_sizes(source, &decoded, &compressed, &block);
                if (compressed != (nuint)frame.Length || decoded > int.MaxValue)
                {
                    throw new InvalidDataException($"its Blosc header declares {compressed} compressed bytes, not the {frame.Length} it has");
                }

                var result = new byte[(int)decoded];
                fixed (byte* destination = result)
                {
                    var written = result.Length == 0 ? 0 : blosc_decompress_ctx(source, destination, decoded, 1);
                    return written == result.Length ? result : throw new InvalidDataException($"Blosc could not decompress it (error {written})");
                }
            }
        }

        public static byte[] Compress(byte[] values, int typeSize, string compressor, int level)
        {
            var frame = new byte[values.Length + HeaderBytes];
            fixed (byte* source = values)
            fixed (byte* destination = frame)
            {
                var written = blosc_compress_ctx(level, 1, (nuint)typeSize, (nuint)values.Length, source, destination, (nuint)frame.Length, compressor, 0, 1);
                return written > 0 ? frame[..written] : throw new InvalidOperationException($"Blosc could not compress {values.Length} bytes (error {written}; is its {compressor} compressor built in?)");
            }
        }

        [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int blosc_compress_ctx(int clevel, int doshuffle, nuint typesize, nuint nbytes, byte* src, byte* dest, nuint destsize, string compressor, nuint blocksize, int numinternalthreads);

        [LibraryImport(Library)]
        private static partial void blosc_cbuffer_sizes(byte* cbuffer, nuint* nbytes, nuint* cbytes, nuint* blocksize);

        [LibraryImport(Library)]
        private static partial int blosc_decompress_ctx(byte* src, byte* dest, nuint destsize, int numinternalthreads);
    }
}
