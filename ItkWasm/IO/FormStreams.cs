using System.IO.Compression;
using ItkWasm.IO.Cbor;
using ItkWasm.IO.Zstd;

namespace ItkWasm.IO;

/// <summary>Runs the CBOR readers and writers over plain or zstd-compressed streams, and over files atomically.</summary>
internal static class FormStreams
{
    /// <summary>Reads a CBOR document from <paramref name="stream"/> in <paramref name="form"/>.</summary>
    public static T Read<T>(Stream stream, ItkWasmFileForm form, string sourceName, Func<Stream, string, T> read)
    {
        ArgumentNullException.ThrowIfNull(stream);
        switch (form)
        {
            case ItkWasmFileForm.Cbor:
                return read(stream, sourceName);
            case ItkWasmFileForm.CborZstd:
                using (var zstd = new ZstdStream(stream, CompressionMode.Decompress, leaveOpen: true))
                {
                    return read(zstd, sourceName);
                }

            default:
                throw new ArgumentException("The directory form is read from a path, not a stream.", nameof(form));
        }
    }

    /// <summary>Writes a CBOR document to <paramref name="stream"/> in <paramref name="form"/>.</summary>
    public static void Write(CborDocumentWriter document, Stream stream, ItkWasmFileForm form)
    {
        ArgumentNullException.ThrowIfNull(stream);
        switch (form)
        {
            case ItkWasmFileForm.Cbor:
                document.WriteTo(stream);
                break;
            case ItkWasmFileForm.CborZstd:
                using (var zstd = new ZstdStream(stream, CompressionMode.Compress, document.Length, leaveOpen: true))
                {
                    document.WriteTo(zstd);
                }

                break;
            default:
                throw new ArgumentException("The directory form is written to a path, not a stream.", nameof(form));
        }
    }

    /// <summary>Opens <paramref name="path"/> and reads it in <paramref name="form"/>.</summary>
    public static T ReadFile<T>(string path, ItkWasmFileForm form, Func<Stream, string, T> read)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, form, path, read);
    }

    /// <summary>Writes <paramref name="document"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteFile(CborDocumentWriter document, string path, ItkWasmFileForm form) =>
        AtomicWrite.File(path, stream => Write(document, stream, form));
}
