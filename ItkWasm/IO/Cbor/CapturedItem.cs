namespace ItkWasm.IO.Cbor;

/// <summary>The encoded bytes of one small CBOR item and the offset where it started.</summary>
/// <param name="Bytes">The item, head included.</param>
/// <param name="Offset">Byte offset of the item in the document.</param>
internal readonly record struct CapturedItem(ReadOnlyMemory<byte> Bytes, long Offset);
