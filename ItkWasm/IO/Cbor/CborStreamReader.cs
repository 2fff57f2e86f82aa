using System.Buffers.Binary;
using System.Text;

namespace ItkWasm.IO.Cbor;

/// <summary>
/// Reads the outer structure of an ITK-Wasm CBOR document from a stream, one item head at a time, so that bulk typed
/// arrays go straight from the stream into a <see cref="DataBuffer"/> and small items are captured as bytes for
/// <see cref="System.Formats.Cbor.CborReader"/>. It never buffers the whole document.
/// </summary>
/// <remarks>
/// Hostile input is bounded before memory is committed: nesting deeper than <see cref="MaxDepth"/>, indefinite-length
/// items (ITK-Wasm's writers never produce them), small items over <see cref="MaxItemBytes"/>, and byte strings longer
/// than what remains of a seekable stream are rejected; on a stream of unknown length a byte string's buffer grows only
/// as its bytes arrive. Every failure is an <see cref="ItkWasmFormatException"/> naming the source and offset.
/// </remarks>
internal sealed class CborStreamReader
{
    /// <summary>Deepest nesting of arrays, maps and tags accepted inside one captured item.</summary>
    public const int MaxDepth = 16;

    /// <summary>Largest small (non-bulk) item accepted, in bytes.</summary>
    public const int MaxItemBytes = 64 << 20;

    private const int MaxKeyBytes = 1024;
    private const long InitialGrowthBytes = 16 << 20;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream stream;
    private readonly long? length;
    private readonly long maxArrayBytes;
    private readonly byte[] scratch = new byte[9];

    /// <summary>Creates a reader over <paramref name="stream"/>, which the caller keeps owning.</summary>
    /// <param name="stream">The document, positioned at its first byte. Wrapped in a buffer for small reads unless it
    /// buffers already.</param>
    /// <param name="sourceName">The file path or stream name used in error messages.</param>
    /// <param name="maxArrayBytes">The largest typed array accepted, in bytes: a larger declared size is refused before
    /// anything is allocated (a 130 KiB <c>.cbor.zst</c> can declare, and really hold, gigabytes).</param>
    public CborStreamReader(Stream stream, string sourceName, long maxArrayBytes = long.MaxValue)
    {
        SourceName = sourceName;
        this.maxArrayBytes = maxArrayBytes;
        length = stream.CanSeek ? stream.Length - stream.Position : null;
        this.stream = stream is BufferedStream or FileStream or MemoryStream or UnmanagedMemoryStream
            ? stream
            : new BufferedStream(stream, 1 << 16);
    }

    /// <summary>Gets the name used in error messages.</summary>
    public string SourceName { get; }

    /// <summary>Gets the number of bytes consumed so far.</summary>
    public long Position { get; private set; }

    /// <summary>Creates the format exception for <paramref name="problem"/> at <paramref name="offset"/>.</summary>
    public ItkWasmFormatException Error(string problem, long? offset = null, Exception? inner = null) =>
        new(SourceName, problem, offset, inner);

    /// <summary>Reads one item head.</summary>
    public CborHead ReadHead()
    {
        var offset = Position;
        ReadExactly(scratch.AsSpan(0, 1), "an item head");
        var initial = scratch[0];
        var info = initial & 0x1f;
        var major = (CborMajorType)(initial >> 5);
        if (info is >= 28 and <= 30)
        {
            throw Error($"initial byte 0x{initial:x2} uses reserved additional information {info}", offset);
        }

        if (info == 31)
        {
            throw Error(
                major == CborMajorType.SimpleOrFloat
                    ? "unexpected 'break' byte"
                    : "indefinite-length items are not supported (ITK-Wasm writes definite lengths only)",
                offset);
        }

        var head = new CborHead(initial, 0, offset);
        var n = head.ArgumentLength;
        ulong argument = (ulong)info;
        if (n > 0)
        {
            var bytes = scratch.AsSpan(1, n);
            ReadExactly(bytes, "an item head");
            argument = n switch
            {
                1 => bytes[0],
                2 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
                4 => BinaryPrimitives.ReadUInt32BigEndian(bytes),
                _ => BinaryPrimitives.ReadUInt64BigEndian(bytes),
            };
        }

        return head with { Argument = argument };
    }

    /// <summary>Reads the head of a definite-length map or array and returns its entry count.</summary>
    public long ReadContainerHead(CborMajorType expected, string what)
    {
        var head = ReadHead();
        if (head.Major != expected)
        {
            throw Error($"{what} must be {Article(expected)}, but it is {head.Describe()}", head.Offset);
        }

        if (head.Argument > (ulong)(length is { } l ? l - Position : long.MaxValue))
        {
            throw Error($"truncated: {what} declares {head.Argument} entries, more than the bytes that remain", head.Offset);
        }

        return (long)head.Argument;
    }

    /// <summary>
    /// Reads <paramref name="entries"/> map entries: each key, then <paramref name="entry"/>, which must consume the
    /// value. A key that appears twice is an error.
    /// </summary>
    public void ReadMapEntries(long entries, Action<string> entry)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long i = 0; i < entries; i++)
        {
            var keyOffset = Position;
            var key = ReadKey();
            if (!seen.Add(key))
            {
                throw Error($"key \"{key}\" appears twice", keyOffset);
            }

            entry(key);
        }
    }

    /// <summary>Reads a map key, which ITK-Wasm always writes as a short text string.</summary>
    public string ReadKey()
    {
        var head = ReadHead();
        if (head.Major != CborMajorType.TextString || head.Argument > MaxKeyBytes)
        {
            throw Error($"a map key must be a text string of at most {MaxKeyBytes} bytes, but it is {head.Describe()}", head.Offset);
        }

        var bytes = new byte[(int)head.Argument];
        ReadExactly(bytes, "a map key");
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Error("a map key is not valid UTF-8", head.Offset, e);
        }
    }

    /// <summary>
    /// Reads the next item whole, as its encoded bytes, for decoding with <see cref="System.Formats.Cbor.CborReader"/>.
    /// </summary>
    public CapturedItem CaptureItem(string what)
    {
        var start = Position;
        using var captured = new MemoryStream();
        CaptureInto(captured, ReadHead(), 0, what);
        return new CapturedItem(captured.ToArray(), start);
    }

    /// <summary>Reads and discards the next item (an unknown key's value).</summary>
    public void SkipItem(string what)
    {
        var head = SkipTags(ReadHead(), what);
        if (head.Major is CborMajorType.ByteString or CborMajorType.TextString)
        {
            CopyBytes(Stream.Null, CheckByteCount(head, what), what, head.Offset);
            return;
        }

        CaptureInto(Stream.Null, head, 0, what);
    }

    /// <summary>
    /// Reads a typed array: any number of tags (their numbers are not trusted; ITK-Wasm writes some wrong ones,
    /// ITKWASM-SPEC §3.3) around a definite byte string, whose bytes go straight into a new buffer.
    /// </summary>
    /// <param name="what">The key, for messages.</param>
    /// <param name="expectedLength">The length the header already read implies, checked before allocating; or null.</param>
    public DataBuffer ReadTypedArray(string what, long? expectedLength)
    {
        var head = SkipTags(ReadHead(), what);
        if (head.Major != CborMajorType.ByteString)
        {
            throw Error($"{what} must be a tagged byte string, but it is {head.Describe()}", head.Offset);
        }

        var declared = CheckByteCount(head, what);
        if (declared > maxArrayBytes)
        {
            throw Error($"{what} declares {declared} bytes, more than the {maxArrayBytes} bytes an image read here may hold", head.Offset);
        }

        if (expectedLength is { } expected && declared != expected)
        {
            throw Error($"{what} holds {declared} bytes, but the header declares {expected}", head.Offset);
        }

        return ReadBulk(declared, what, head.Offset);
    }

    /// <summary>Reads the head of a typed array as <see cref="ReadTypedArray"/> does and passes over its bytes (a seek
    /// when the stream can seek), returning where they lie in the document and how many there are.</summary>
    /// <param name="what">The key, for messages.</param>
    /// <param name="expectedLength">The length the header already read implies, or null.</param>
    public (long Offset, long Length) SkipTypedArray(string what, long? expectedLength)
    {
        var head = SkipTags(ReadHead(), what);
        if (head.Major != CborMajorType.ByteString)
        {
            throw Error($"{what} must be a tagged byte string, but it is {head.Describe()}", head.Offset);
        }

        var declared = CheckByteCount(head, what);
        if (expectedLength is { } expected && declared != expected)
        {
            throw Error($"{what} holds {declared} bytes, but the header declares {expected}", head.Offset);
        }

        var offset = Position;
        if (stream.CanSeek)
        {
            stream.Seek(declared, SeekOrigin.Current);
            Position += declared;
        }
        else
        {
            CopyBytes(Stream.Null, declared, what, head.Offset);
        }

        return (offset, declared);
    }

    private CborHead SkipTags(CborHead head, string what)
    {
        for (var tags = 0; head.Major == CborMajorType.Tag; tags++)
        {
            if (tags == MaxDepth)
            {
                throw Error($"{what} is wrapped in more than {MaxDepth} tags", head.Offset);
            }

            head = ReadHead();
        }

        return head;
    }

    private DataBuffer ReadBulk(long count, string what, long offset)
    {
        if (length is not null)
        {
            var buffer = DataBuffer.Allocate(count);
            try
            {
                FillFromStream(buffer, 0, count, what, offset);
                return buffer;
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }

        // Unknown stream length: grow geometrically as bytes arrive, so a lying length costs at most twice what the
        // stream really holds.
        var grown = DataBuffer.Allocate(Math.Min(count, InitialGrowthBytes));
        try
        {
            long done = 0;
            while (done < count)
            {
                if (done == grown.Length)
                {
                    grown.Resize(Math.Min(count, grown.Length * 2));
                }

                FillFromStream(grown, done, grown.Length - done, what, offset);
                done = grown.Length;
            }

            return grown;
        }
        catch
        {
            grown.Dispose();
            throw;
        }
    }

    private void FillFromStream(DataBuffer buffer, long start, long count, string what, long offset)
    {
        const int Chunk = 1 << 20;
        for (long done = 0; done < count;)
        {
            var window = buffer.AsSpan(start + done, (int)Math.Min(Chunk, count - done));
            ReadExactly(window, what, offset);
            done += window.Length;
        }
    }

    private long CheckByteCount(CborHead head, string what)
    {
        var remaining = length is { } l ? l - Position : long.MaxValue;
        if (head.Argument > (ulong)remaining)
        {
            throw Error(
                $"truncated: {what} declares {head.Argument} bytes but only {remaining} remain in the file", head.Offset);
        }

        return (long)head.Argument;
    }

    private void CaptureInto(Stream output, CborHead head, int depth, string what)
    {
        if (depth > MaxDepth)
        {
            throw Error($"{what} is nested more than {MaxDepth} levels deep", head.Offset);
        }

        if (output.Length > MaxItemBytes)
        {
            throw Error($"{what} is larger than {MaxItemBytes} bytes", head.Offset);
        }

        Span<byte> encoded = stackalloc byte[9];
        output.Write(encoded[..head.CopyTo(encoded)]);
        switch (head.Major)
        {
            case CborMajorType.ByteString or CborMajorType.TextString:
                var count = CheckByteCount(head, what);
                if (output.Length + count > MaxItemBytes)
                {
                    throw Error($"{what} is larger than {MaxItemBytes} bytes", head.Offset);
                }

                CopyBytes(output, count, what, head.Offset);
                break;
            case CborMajorType.Array or CborMajorType.Map:
                var items = CheckByteCount(head, what) * (head.Major == CborMajorType.Map ? 2 : 1);
                for (long i = 0; i < items; i++)
                {
                    CaptureInto(output, ReadHead(), depth + 1, what);
                }

                break;
            case CborMajorType.Tag:
                CaptureInto(output, ReadHead(), depth + 1, what);
                break;
            default:
                break;
        }
    }

    private void CopyBytes(Stream output, long count, string what, long offset)
    {
        var chunk = new byte[(int)Math.Min(count, 1 << 16)];
        for (long done = 0; done < count;)
        {
            var n = (int)Math.Min(chunk.Length, count - done);
            ReadExactly(chunk.AsSpan(0, n), what, offset);
            output.Write(chunk, 0, n);
            done += n;
        }
    }

    private void ReadExactly(Span<byte> destination, string what, long? offset = null)
    {
        int read;
        try
        {
            read = stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            // The decompressing layer found a corrupt frame.
            throw Error(e.Message, offset ?? Position, e);
        }

        Position += read;
        if (read < destination.Length)
        {
            throw Error($"truncated: the file ends inside {what}", offset ?? Position);
        }
    }

    private static string Article(CborMajorType major) => major == CborMajorType.Array ? "an array" : "a map";
}
