using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Pipelines;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// Reads and writes images, meshes and transform lists in any supported format: ITK-Wasm's own (<c>.iwi</c>,
/// <c>.iwm</c>, <c>.iwt</c>; natively) and the formats of <c>@itk-wasm/image-io</c> and <c>@itk-wasm/mesh-io</c>
/// (through their pipelines).
/// </summary>
internal sealed class DataFiles(RuntimeHolder runtime)
{
    /// <summary>Returns the kind <paramref name="path"/> holds, or null when its extension tells nothing. An extension
    /// both packages know (<c>.vtk</c>) counts as an image unless <paramref name="hint"/> says mesh.</summary>
    public static ItkWasmDataKind? KindOf(string path, ItkWasmDataKind? hint = null)
    {
        if (ItkWasmPath.TryParse(path) is { } native)
        {
            return native.Kind;
        }

        var (image, mesh) = (ImageIo.HandlesExtension(path), MeshIo.HandlesExtension(path));
        return image && mesh ? hint ?? ItkWasmDataKind.Image
            : image ? ItkWasmDataKind.Image
            : mesh ? ItkWasmDataKind.Mesh
            : null;
    }

    /// <summary>Reads <paramref name="path"/> as <paramref name="kind"/>; the caller disposes the result.</summary>
    public async Task<IDisposable> ReadAsync(string path, ItkWasmDataKind kind, CancellationToken cancellationToken)
    {
        if (ItkWasmPath.TryParse(path) is not null)
        {
            return kind switch
            {
                ItkWasmDataKind.Image => ImageFile.Read(path),
                ItkWasmDataKind.Mesh => MeshFile.Read(path),
                _ => TransformListFile.Read(path),
            };
        }

        return kind switch
        {
            ItkWasmDataKind.Image when ImageIo.HandlesExtension(path) || KindOf(path) is null =>
                await new ImageIo(runtime.Runtime).ReadAsync(path, cancellationToken).ConfigureAwait(false),
            ItkWasmDataKind.Mesh when MeshIo.HandlesExtension(path) || KindOf(path) is null =>
                await new MeshIo(runtime.Runtime).ReadAsync(path, cancellationToken).ConfigureAwait(false),
            _ => throw new UnsupportedFormatException(path),
        };
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/>, in the format its extension names.</summary>
    public async Task WriteAsync(IDisposable value, string path, CancellationToken cancellationToken)
    {
        var native = ItkWasmPath.TryParse(path) is not null;
        switch (value)
        {
            case Image image when native:
                ImageFile.Write(image, path);
                break;
            case Image image when ImageIo.HandlesExtension(path):
                await new ImageIo(runtime.Runtime).WriteAsync(image, path, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case Mesh mesh when native:
                MeshFile.Write(mesh, path);
                break;
            case Mesh mesh when MeshIo.HandlesExtension(path):
                await new MeshIo(runtime.Runtime).WriteAsync(mesh, path, cancellationToken: cancellationToken).ConfigureAwait(false);
                break;
            case TransformList transforms when native:
                TransformListFile.Write(transforms, path);
                break;
            default:
                throw new UnsupportedFormatException(path);
        }
    }
}
