using ItkWasm.IO.Cbor;
using ItkWasm.IO.Directory;

namespace ItkWasm.IO;

/// <summary>
/// Reads and writes a <see cref="Mesh"/> in ITK-Wasm's <c>.iwm</c> formats: the <c>.iwm/</c> directory, <c>.iwm.cbor</c> and
/// <c>.iwm.cbor.zst</c> (ITKWASM-SPEC §3), chosen by extension for paths. The CBOR writer is byte-identical to ITK-Wasm's;
/// the readers are as lenient as ITK-Wasm's. Writes to a path are atomic: the file or directory appears complete or not
/// at all.
/// </summary>
/// <remarks>
/// Errors a caller must handle: <see cref="ItkWasmFormatException"/> for malformed content (it names the file and the
/// problem), <see cref="FileNotFoundException"/>/<see cref="DirectoryNotFoundException"/> for a missing path,
/// <see cref="NotSupportedException"/> for a path whose extension is not a <c>.iwm</c> form, and
/// <see cref="InvalidOperationException"/> when writing a value whose buffers disagree with its declared sizes.
/// </remarks>
public static class MeshFile
{
    private static readonly FormatBinding<Mesh> Binding =
        new(ItkWasmDataKind.Mesh, MeshDirectory.Read, MeshDirectory.Write, MeshCbor.Read, MeshCbor.Write);

    /// <summary>Reads the file or directory at <paramref name="path"/>; the caller disposes the result.</summary>
    public static Mesh Read(string path) => Binding.Read(path);

    /// <summary>Reads a single-file form from <paramref name="stream"/>, which the caller keeps owning; the caller
    /// disposes the result. Bulk arrays stream straight into native memory.</summary>
    /// <param name="stream">The CBOR (or zstd-compressed CBOR) bytes, from the current position.</param>
    /// <param name="form"><see cref="ItkWasmFileForm.Cbor"/> or <see cref="ItkWasmFileForm.CborZstd"/>.</param>
    /// <param name="sourceName">Name used in error messages, such as a blob name.</param>
    public static Mesh Read(Stream stream, ItkWasmFileForm form, string sourceName = "stream") =>
        Binding.Read(stream, form, sourceName);

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> in the form its extension names.</summary>
    public static void Write(Mesh value, string path) => Binding.Write(value, path);

    /// <summary>Writes a single-file form of <paramref name="value"/> to <paramref name="stream"/>, streaming the bulk
    /// arrays; the caller keeps owning the stream.</summary>
    public static void Write(Mesh value, Stream stream, ItkWasmFileForm form) => Binding.Write(value, stream, form);
}
