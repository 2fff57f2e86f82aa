using System.Formats.Cbor;

namespace ItkWasm.IO.Cbor;

/// <summary>
/// Builds an ITK-Wasm CBOR document as a list of segments: small items encoded by <see cref="CborWriter"/>, and bulk
/// typed arrays referenced (not copied) from their <see cref="DataBuffer"/>s. The total <see cref="Length"/> is known
/// before anything is written, and <see cref="WriteTo"/> streams the bytes to the destination.
/// </summary>
internal sealed class CborDocumentWriter
{
    private readonly List<object> segments = [];
    private long length;

    /// <summary>Gets the writer for small root-level items (keys and values), flushed into the segment list as the
    /// document grows.</summary>
    public CborWriter Items { get; } = new(CborConformanceMode.Lax, allowMultipleRootLevelValues: true);

    /// <summary>Gets the document's length in bytes so far.</summary>
    public long Length
    {
        get
        {
            Flush();
            return length;
        }
    }

    /// <summary>Writes a definite map head of <paramref name="count"/> entries; the entries follow as root items.</summary>
    public void WriteMapHead(int count) => WriteHead(CborMajorType.Map, (ulong)count);

    /// <summary>Writes a definite array head of <paramref name="count"/> elements.</summary>
    public void WriteArrayHead(int count) => WriteHead(CborMajorType.Array, (ulong)count);

    /// <summary>Writes <paramref name="key"/> and a typed array value: the tag for <paramref name="componentType"/>
    /// around a byte string holding <paramref name="data"/>, which must stay alive until <see cref="WriteTo"/>.</summary>
    public void WriteTypedArray(string key, ComponentType componentType, DataBuffer data)
    {
        Items.WriteTextString(key);
        WriteHead(CborMajorType.Tag, CborItems.TypedArrayTag(componentType));
        WriteHead(CborMajorType.ByteString, (ulong)data.Length);
        segments.Add(data);
        length += data.Length;
    }

    /// <summary>Writes <paramref name="key"/> and the head of a typed array of <paramref name="length"/> bytes (its tag
    /// and byte-string head) without the bytes: a document's prefix whose bulk bytes are written elsewhere.</summary>
    public void WriteTypedArrayHead(string key, ComponentType componentType, long length)
    {
        Items.WriteTextString(key);
        WriteHead(CborMajorType.Tag, CborItems.TypedArrayTag(componentType));
        WriteHead(CborMajorType.ByteString, (ulong)length);
    }

    /// <summary>Writes <paramref name="key"/> and a small float64 typed array (a direction matrix, fixed parameters),
    /// copied into the document.</summary>
    public void WriteTypedArray(string key, ReadOnlySpan<double> values)
    {
        Items.WriteTextString(key);
        Items.WriteTag((CborTag)CborItems.TypedArrayTag(ComponentType.Float64));
        Items.WriteByteString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
    }

    /// <summary>Writes the document to <paramref name="destination"/>.</summary>
    public void WriteTo(Stream destination)
    {
        Flush();
        foreach (var segment in segments)
        {
            if (segment is byte[] bytes)
            {
                destination.Write(bytes);
            }
            else
            {
                ((DataBuffer)segment).WriteTo(destination);
            }
        }
    }

    private void WriteHead(CborMajorType major, ulong argument)
    {
        Flush();
        var (info, n) = argument switch
        {
            < 24 => ((int)argument, 0),
            <= byte.MaxValue => (24, 1),
            <= ushort.MaxValue => (25, 2),
            <= uint.MaxValue => (26, 4),
            _ => (27, 8),
        };
        var head = new byte[1 + n];
        head[0] = (byte)(((int)major << 5) | info);
        for (var i = 0; i < n; i++)
        {
            head[1 + i] = (byte)(argument >> (8 * (n - 1 - i)));
        }

        Add(head);
    }

    private void Flush()
    {
        if (Items.BytesWritten > 0)
        {
            Add(Items.Encode());
            Items.Reset();
        }
    }

    private void Add(byte[] bytes)
    {
        segments.Add(bytes);
        length += bytes.Length;
    }
}
