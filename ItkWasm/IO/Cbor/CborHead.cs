namespace ItkWasm.IO.Cbor;

/// <summary>
/// The head of one CBOR data item (RFC 8949 §3): the major type, the additional-information bits of the initial byte,
/// and the argument that follows.
/// </summary>
/// <param name="InitialByte">The first byte of the item.</param>
/// <param name="Argument">The decoded argument: a length, count, tag number, integer value or float bits.</param>
/// <param name="Offset">Byte offset of the head in the document.</param>
internal readonly record struct CborHead(byte InitialByte, ulong Argument, long Offset)
{
    /// <summary>Gets the major type (the top three bits).</summary>
    public CborMajorType Major => (CborMajorType)(InitialByte >> 5);

    /// <summary>Gets the additional information (the low five bits).</summary>
    public int AdditionalInfo => InitialByte & 0x1f;

    /// <summary>Gets the number of argument bytes after the initial byte.</summary>
    public int ArgumentLength => AdditionalInfo switch { 24 => 1, 25 => 2, 26 => 4, 27 => 8, _ => 0 };

    /// <summary>Gets a name for the item's kind, for error messages.</summary>
    public string Describe() => Major switch
    {
        CborMajorType.UnsignedInteger => "an unsigned integer",
        CborMajorType.NegativeInteger => "a negative integer",
        CborMajorType.ByteString => "a byte string",
        CborMajorType.TextString => "a text string",
        CborMajorType.Array => "an array",
        CborMajorType.Map => "a map",
        CborMajorType.Tag => "a tag",
        _ => AdditionalInfo is >= 25 and <= 27 ? "a float" : "a simple value",
    };

    /// <summary>Writes the head's exact bytes (initial byte and argument, as encoded) to <paramref name="destination"/>.</summary>
    public int CopyTo(Span<byte> destination)
    {
        destination[0] = InitialByte;
        var n = ArgumentLength;
        for (var i = 0; i < n; i++)
        {
            destination[1 + i] = (byte)(Argument >> (8 * (n - 1 - i)));
        }

        return 1 + n;
    }
}
