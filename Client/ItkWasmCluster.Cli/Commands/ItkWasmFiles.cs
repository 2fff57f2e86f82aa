using ItkWasm;
using ItkWasm.IO;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>A value read from any ITK-Wasm file, whatever its kind.</summary>
internal static class ItkWasmFiles
{
    /// <summary>Returns the kind and form <paramref name="path"/> names.</summary>
    /// <exception cref="UnsupportedFormatException">The extension is not an ITK-Wasm format.</exception>
    public static ItkWasmPath Classify(string path) =>
        ItkWasmPath.TryParse(path) ?? throw new UnsupportedFormatException(path);

    /// <summary>Reads <paramref name="path"/>; the caller disposes the result.</summary>
    public static IDisposable Read(string path) => Classify(path).Kind switch
    {
        ItkWasmDataKind.Image => ImageFile.Read(path),
        ItkWasmDataKind.Mesh => MeshFile.Read(path),
        _ => TransformListFile.Read(path),
    };

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/>, whose extension must name its kind.</summary>
    public static void Write(IDisposable value, string path)
    {
        switch (value)
        {
            case Image image:
                ImageFile.Write(image, path);
                break;
            case Mesh mesh:
                MeshFile.Write(mesh, path);
                break;
            default:
                TransformListFile.Write((TransformList)value, path);
                break;
        }
    }
}
