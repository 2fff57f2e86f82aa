using System.CommandLine;
using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Zarr;

namespace ItkWasmCluster.Cli.Commands;

/// <summary><c>itkwasm-cluster convert IN OUT</c>: converts an image, mesh or transform list between formats, chosen
/// by extension.</summary>
internal static class ConvertCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(RuntimeHolder runtime)
    {
        var input = new Argument<string>("input") { Description = "File or directory to read, or a blob (az://CONTAINER/NAME or a blob URL)." };
        var output = new Argument<string>("output") { Description = "File, directory or blob to write; its extension picks the format. Written atomically." };
        var command = new Command("convert", "Converts an image, mesh or transform list between formats: ITK-Wasm's (.iwi, .iwm, .iwt as directories, .cbor or .cbor.zst) and those of @itk-wasm/image-io and @itk-wasm/mesh-io (.nii.gz, .nrrd, .png, .vtk, .obj, ...); images also from and to OME-Zarr folders (*.zarr: level 0 read; OME-NGFF 0.4 with zstd written).")
        {
            input,
            output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (from, to) = (parse.GetValue(input)!, parse.GetValue(output)!);
            if (IsZarr(from) || IsZarr(to))
            {
                await ConvertZarrAsync(from, to, runtime, cancellationToken).ConfigureAwait(false);
                return CliApp.Success;
            }

            using var copies = new LocalCopies();
            var localTo = copies.Writable(to);
            var target = DataFiles.KindOf(localTo) ?? throw new UnsupportedFormatException(LocalCopies.Describe(to));
            var localFrom = await copies.ReadableAsync(from, cancellationToken).ConfigureAwait(false);
            var source = DataFiles.KindOf(localFrom, target) ?? target;
            if (source != target)
            {
                throw new NotSupportedException(
                    $"cannot convert {ItkWasmPath.Describe(source)} ({LocalCopies.Describe(from)}) into {ItkWasmPath.Describe(target)} ({LocalCopies.Describe(to)}); the output extension must name the same kind");
            }

            var files = new DataFiles(runtime);
            using (var value = await files.ReadAsync(localFrom, source, cancellationToken).ConfigureAwait(false))
            {
                await files.WriteAsync(value, localTo, cancellationToken).ConfigureAwait(false);
            }

            await copies.CommitAsync(cancellationToken).ConfigureAwait(false);
            return CliApp.Success;
        });
        return command;
    }

    private static bool IsZarr(string path) => path.TrimEnd('/').EndsWith(".zarr", StringComparison.OrdinalIgnoreCase);

    // An OME-Zarr image in a local folder, read (its level 0) or written (OME-NGFF 0.4, zstd, into a sibling folder
    // renamed into place), whole; the other side in any image format.
    private static async Task ConvertZarrAsync(string from, string to, RuntimeHolder runtime, CancellationToken cancellationToken)
    {
        var files = new DataFiles(runtime);
        using var image = IsZarr(from)
            ? await (await OmeZarrImage.OpenAsync(new ZarrFolderStore(Directory.Exists(from) ? from : throw new DirectoryNotFoundException($"{from}: no such folder")), 0, cancellationToken).ConfigureAwait(false)).ReadAsync(cancellationToken).ConfigureAwait(false)
            : (Image)await files.ReadAsync(from, ItkWasmDataKind.Image, cancellationToken).ConfigureAwait(false);
        if (!IsZarr(to))
        {
            await files.WriteAsync(image, to, cancellationToken).ConfigureAwait(false);
            return;
        }

        var target = Path.GetFullPath(to.TrimEnd('/'));
        if (Directory.Exists(target) || File.Exists(target))
        {
            throw new IOException($"{to} exists; convert writes a new OME-Zarr folder");
        }

        var temp = $"{target}.{Guid.NewGuid():N}.tmp";
        try
        {
            await OmeZarrWriter.WriteAsync(image, new OmeZarrFormat(), async (key, bytes, ct) =>
            {
                var path = Path.Combine(temp, key);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, bytes, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            Directory.Move(temp, target);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }
}
