namespace ItkWasm.IO;

/// <summary>
/// Raised when an ITK-Wasm file (<c>.iwi</c>, <c>.iwm</c>, <c>.iwt</c>, in directory, <c>.cbor</c> or
/// <c>.cbor.zst</c> form) is malformed: truncated, of the wrong item types, with unknown enum strings, sizes that
/// disagree with the payload, or nesting too deep. The message names the file and the problem; nothing is returned.
/// </summary>
public sealed class ItkWasmFormatException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="sourceName">The file path or stream name being read.</param>
    /// <param name="problem">What is wrong, in one sentence.</param>
    /// <param name="offset">Byte offset of the offending item in the (decompressed) CBOR, when known.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public ItkWasmFormatException(string sourceName, string problem, long? offset = null, Exception? innerException = null)
        : base(Compose(sourceName, problem, offset), innerException)
    {
        SourceName = sourceName;
        Problem = problem;
        Offset = offset;
    }

    /// <summary>Gets the file path or stream name that was being read.</summary>
    public string SourceName { get; }

    /// <summary>Gets the description of the problem, without the source name.</summary>
    public string Problem { get; }

    /// <summary>Gets the byte offset of the offending item in the CBOR document, when known.</summary>
    public long? Offset { get; }

    private static string Compose(string sourceName, string problem, long? offset) =>
        offset is { } o ? $"{sourceName}: {problem} (at byte {o})" : $"{sourceName}: {problem}";
}
