using ItkWasm.Runtime;

namespace ItkWasm.Pipelines;

/// <summary>
/// Reads and writes the mesh formats of <c>@itk-wasm/mesh-io</c> (VTK PolyData, OBJ, STL, OFF, BYU, FreeSurfer,
/// MZ3, SWC) by running its pipelines on a <see cref="IWasmRuntime"/>. The format is chosen by extension, with
/// ITK-Wasm's extension table (<c>extension-to-mesh-io.js</c>).
/// </summary>
public sealed class MeshIo
{
    /// <summary>The npm package whose pipelines this class runs.</summary>
    public const string Package = "@itk-wasm/mesh-io";

    private static readonly (string, string)[] Extensions =
    [
        ("vtk", "vtk-poly-data"), ("byu", "byu"), ("fsa", "free-surfer-ascii"), ("fsb", "free-surfer-binary"),
        ("mz3", "mz3"), ("obj", "obj"), ("off", "off"), ("stl", "stl"), ("swc", "swc"), ("iwm", "wasm"),
        ("iwm.cbor", "wasm"), ("iwm.cbor.zst", "wasm-zstd"),
    ];

    private static readonly string[] ReadOrder =
        ["vtk-poly-data", "obj", "stl", "off", "mz3", "wasm", "wasm-zstd", "swc", "byu", "free-surfer-ascii", "free-surfer-binary"];

    private readonly IoPipelines<Mesh> pipelines;

    /// <summary>Creates the reader/writer on <paramref name="runtime"/>.</summary>
    public MeshIo(IWasmRuntime runtime) =>
        pipelines = new IoPipelines<Mesh>(runtime, Package, "mesh", InterfaceType.Mesh, Extensions, ReadOrder);

    /// <summary>Returns whether <paramref name="path"/>'s extension names a format of the package.</summary>
    public static bool HandlesExtension(string path) => IoPipelines<Mesh>.IoFor(Extensions, path) is not null;

    /// <summary>Reads a mesh file; the caller disposes the result.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">No reader of the package can read it.</exception>
    /// <exception cref="PipelineRunException">The reader failed.</exception>
    public Task<Mesh> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        pipelines.ReadAsync(path, cancellationToken);

    /// <summary>Writes a mesh file atomically, in the format its extension names.</summary>
    /// <param name="mesh">The mesh; the caller keeps owning it.</param>
    /// <param name="path">The destination; its extension picks the format.</param>
    /// <param name="useCompression">Whether to compress, where the format can.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    /// <exception cref="NotSupportedException">No writer of the package handles the extension.</exception>
    /// <exception cref="PipelineRunException">The writer failed.</exception>
    public Task WriteAsync(Mesh mesh, string path, bool useCompression = false, CancellationToken cancellationToken = default) =>
        pipelines.WriteAsync(mesh, path, useCompression, cancellationToken);
}
