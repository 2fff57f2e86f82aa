namespace ItkWasm;

/// <summary>ITK-Wasm's <c>BinaryStream</c>: bytes passed to or from a pipeline in memory.</summary>
/// <param name="Data">The bytes; the record does not copy the array.</param>
public sealed record BinaryStream(ReadOnlyMemory<byte> Data);
