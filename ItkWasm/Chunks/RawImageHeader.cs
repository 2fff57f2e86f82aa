using System.Globalization;
using System.Text;

namespace ItkWasm.Chunks;

/// <summary>
/// Where the pixels of a raw-backed MetaImage (<c>.mha</c>/<c>.mhd</c>) or NRRD (<c>.nrrd</c>/<c>.nhdr</c>) file lie,
/// read from its text header, so that a region of it is read by ranges (<see cref="ImageLayout"/>): the data file
/// (the header's own file, or the file it names beside it), the offset of the first pixel, and the pixel buffer's
/// length. Only what ITK reads as one little-endian buffer qualifies (MetaIO's <c>ElementDataFile</c> of one file or
/// <c>LOCAL</c>, <c>CompressedData</c>, <c>HeaderSize</c>; NRRD's <c>encoding: raw</c> or <c>gzip</c>, <c>data file</c>,
/// <c>byte skip</c>, <c>endian</c>; sources: MetaIO's <c>metaImage.cxx</c>, teem's NRRD format specification); the
/// image's geometry and metadata come from ITK's own reader (<c>@itk-wasm/image-io</c> with
/// <c>--information-only</c>), so they are what a whole read gives.
/// </summary>
/// <param name="DataFile">The file holding the pixels, relative to the header's folder; null when it is the header's
/// own file.</param>
/// <param name="Offset">Where the pixels start in the data file, in bytes; -1 when they end it (MetaIO's
/// <c>HeaderSize = -1</c>, NRRD's <c>byte skip: -1</c>).</param>
/// <param name="Bytes">The pixel buffer's length, in bytes, as the header declares it (uncompressed).</param>
/// <param name="Compression">How the pixels are compressed: <c>none</c>; <c>zlib</c> (MetaIO's
/// <c>CompressedData = True</c>, a zlib stream from <see cref="Offset"/>); <c>gzip</c> (NRRD's <c>encoding: gzip</c>, a
/// gzip stream from <see cref="Offset"/>). Compressed pixels are read once, in order, not by ranges.</param>
public sealed record RawImageHeader(string? DataFile, long Offset, long Bytes, string Compression = "none")
{
    /// <summary>The most of a file read to find its header: 64 KiB.</summary>
    public const int MaxHeaderBytes = 64 << 10;

    /// <summary>Returns whether <paramref name="name"/> is a MetaImage or NRRD file name.</summary>
    public static bool IsRawFormat(string name) =>
        name.EndsWith(".mha", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".mhd", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".nrrd", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".nhdr", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads where the pixels of the file whose first bytes are <paramref name="start"/> lie; null when they
    /// are not one little-endian buffer (raw, or compressed as one stream), or the header is not whole within those
    /// bytes.</summary>
    public static RawImageHeader? Parse(ReadOnlySpan<byte> start) =>
        start.StartsWith("NRRD"u8) ? Nrrd(start) : Meta(start);

    // MetaIO: "Key = Value" lines; ElementDataFile is the last, and LOCAL data follows its line.
    private static RawImageHeader? Meta(ReadOnlySpan<byte> start)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var at = 0;
        while (at < start.Length)
        {
            var end = start[at..].IndexOf((byte)'\n');
            if (end < 0)
            {
                return null;
            }

            var line = Encoding.ASCII.GetString(start.Slice(at, end)).Trim();
            at += end + 1;
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return null;
            }

            var key = line[..equals].Trim();
            fields[key] = line[(equals + 1)..].Trim();
            if (key.Equals("ElementDataFile", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }
        }

        if (!fields.TryGetValue("ElementDataFile", out var file)
            || IsTrue(fields, "BinaryDataByteOrderMSB") || IsTrue(fields, "ElementByteOrderMSB")
            || (fields.TryGetValue("BinaryData", out var binary) && !binary.Equals("True", StringComparison.OrdinalIgnoreCase))
            || file.Equals("LIST", StringComparison.OrdinalIgnoreCase) || file.Contains('%', StringComparison.Ordinal) || file.Contains(' ', StringComparison.Ordinal)
            || !fields.TryGetValue("DimSize", out var dims) || !fields.TryGetValue("ElementType", out var type) || MetaElementBytes(type) is not { } element)
        {
            return null;
        }

        var channels = fields.TryGetValue("ElementNumberOfChannels", out var c) && long.TryParse(c, CultureInfo.InvariantCulture, out var n) ? n : 1;
        if (Count(dims) is not { } pixels)
        {
            return null;
        }

        var headerSize = fields.TryGetValue("HeaderSize", out var h) && long.TryParse(h, CultureInfo.InvariantCulture, out var size) ? size : 0;
        var local = file.Equals("LOCAL", StringComparison.OrdinalIgnoreCase);
        var compressed = IsTrue(fields, "CompressedData");
        return headerSize < -1 || (compressed && headerSize == -1)
            ? null
            : new RawImageHeader(local ? null : file, headerSize == -1 ? -1 : local ? at : headerSize, pixels * channels * element, compressed ? "zlib" : "none");
    }

    // NRRD: "NRRD000N", then "field: value" lines (comments start with '#'), ended by a blank line (or the file, when
    // detached); attached data follows the blank line.
    private static RawImageHeader? Nrrd(ReadOnlySpan<byte> start)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var at = start.IndexOf((byte)'\n') + 1;
        var ended = false;
        while (at > 0 && at < start.Length)
        {
            var end = start[at..].IndexOf((byte)'\n');
            var line = Encoding.ASCII.GetString(end < 0 ? start[at..] : start.Slice(at, end)).TrimEnd('\r');
            at = end < 0 ? start.Length : at + end + 1;
            if (line.Length == 0)
            {
                ended = true;
                break;
            }

            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (!line.StartsWith('#') && colon > 0 && !line.Contains(":=", StringComparison.Ordinal))
            {
                fields[line[..colon].Trim()] = line[(colon + 2)..].Trim();
            }
        }

        var file = fields.GetValueOrDefault("data file") ?? fields.GetValueOrDefault("datafile");
        var compression = fields.GetValueOrDefault("encoding") switch { "raw" => "none", "gzip" or "gz" => "gzip", _ => null };
        if ((!ended && file is null) || compression is null || !fields.TryGetValue("type", out var type) || NrrdTypeBytes(type) is not { } element
            || (element > 1 && fields.GetValueOrDefault("endian") is not (null or "little")) || fields.GetValueOrDefault("line skip") is not (null or "0")
            || file is not null && (file.StartsWith("LIST", StringComparison.Ordinal) || file.Contains(' ', StringComparison.Ordinal) || file.Contains('%', StringComparison.Ordinal))
            || !fields.TryGetValue("sizes", out var sizes) || Count(sizes) is not { } count)
        {
            return null;
        }

        var skip = fields.TryGetValue("byte skip", out var s) && long.TryParse(s, CultureInfo.InvariantCulture, out var bytes) ? bytes : 0;
        return skip < -1 || (compression != "none" && skip == -1)
            ? null
            : new RawImageHeader(file, skip == -1 ? -1 : (file is null ? at : 0) + skip, count * element, compression);
    }

    private static bool IsTrue(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var value) && value.Equals("True", StringComparison.OrdinalIgnoreCase);

    private static long? Count(string values)
    {
        var count = 1L;
        foreach (var value in values.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            {
                return null;
            }

            count = checked(count * n);
        }

        return count;
    }

    private static int? MetaElementBytes(string type) => type.ToUpperInvariant() switch
    {
        "MET_CHAR" or "MET_UCHAR" => 1,
        "MET_SHORT" or "MET_USHORT" => 2,
        "MET_INT" or "MET_UINT" or "MET_FLOAT" => 4,
        "MET_LONG_LONG" or "MET_ULONG_LONG" or "MET_DOUBLE" => 8,
        _ => null,
    };

    private static int? NrrdTypeBytes(string type) => type switch
    {
        "signed char" or "int8" or "int8_t" or "uchar" or "unsigned char" or "uint8" or "uint8_t" => 1,
        "short" or "short int" or "signed short" or "signed short int" or "int16" or "int16_t"
            or "ushort" or "unsigned short" or "unsigned short int" or "uint16" or "uint16_t" => 2,
        "int" or "signed int" or "int32" or "int32_t" or "uint" or "unsigned int" or "uint32" or "uint32_t" or "float" => 4,
        "longlong" or "long long" or "long long int" or "signed long long" or "signed long long int" or "int64" or "int64_t"
            or "ulonglong" or "unsigned long long" or "unsigned long long int" or "uint64" or "uint64_t" or "double" => 8,
        _ => null,
    };
}
