using ItkWasm.IO.Cbor;
using ItkWasm.IO.Directory;

namespace ItkWasm.IO;

/// <summary>
/// Reads and writes an <see cref="Image"/> in ITK-Wasm's <c>.iwi</c> formats: the <c>.iwi/</c> directory, <c>.iwi.cbor</c> and
/// <c>.iwi.cbor.zst</c> (ITKWASM-SPEC §3), chosen by extension for paths. The CBOR writer is byte-identical to ITK-Wasm's;
/// the readers are as lenient as ITK-Wasm's. Writes to a path are atomic: the file or directory appears complete or not
/// at all.
/// </summary>
/// <remarks>
/// Errors a caller must handle: <see cref="ItkWasmFormatException"/> for malformed content (it names the file and the
/// problem), <see cref="FileNotFoundException"/>/<see cref="DirectoryNotFoundException"/> for a missing path,
/// <see cref="NotSupportedException"/> for a path whose extension is not a <c>.iwi</c> form, and
/// <see cref="InvalidOperationException"/> when writing a value whose buffers disagree with its declared sizes.
/// </remarks>
public static class ImageFile
{
    private static readonly FormatBinding<Image> Binding =
        new(ItkWasmDataKind.Image, ImageDirectory.Read, ImageDirectory.Write, ImageCbor.Read, ImageCbor.Write);

    /// <summary>Reads the file or directory at <paramref name="path"/>; the caller disposes the result.</summary>
    public static Image Read(string path) => Binding.Read(path);

    /// <summary>Reads a single-file form from <paramref name="stream"/>, which the caller keeps owning; the caller
    /// disposes the result. Bulk arrays stream straight into native memory.</summary>
    /// <param name="stream">The CBOR (or zstd-compressed CBOR) bytes, from the current position.</param>
    /// <param name="form"><see cref="ItkWasmFileForm.Cbor"/> or <see cref="ItkWasmFileForm.CborZstd"/>.</param>
    /// <param name="sourceName">Name used in error messages, such as a blob name.</param>
    public static Image Read(Stream stream, ItkWasmFileForm form, string sourceName = "stream") =>
        Binding.Read(stream, form, sourceName);

    /// <summary>Reads a single-file form as <see cref="Read(Stream, ItkWasmFileForm, string)"/> does, refusing an image
    /// whose pixel buffer declares more than <paramref name="maxDataBytes"/> bytes before allocating it (the bytes a
    /// compressed file declares are real once decompressed: a zstd file of kilobytes can hold gigabytes).</summary>
    /// <exception cref="ItkWasmFormatException">The image is malformed or larger than <paramref name="maxDataBytes"/>.</exception>
    public static Image Read(Stream stream, ItkWasmFileForm form, string sourceName, long maxDataBytes) =>
        FormStreams.Read(stream, form, sourceName, (s, name) => ImageCbor.Read(s, name, maxDataBytes));

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> in the form its extension names.</summary>
    public static void Write(Image value, string path) => Binding.Write(value, path);

    /// <summary>Writes a single-file form of <paramref name="value"/> to <paramref name="stream"/>, streaming the bulk
    /// arrays; the caller keeps owning the stream.</summary>
    public static void Write(Image value, Stream stream, ItkWasmFileForm form) => Binding.Write(value, stream, form);
}
