using System.CommandLine;
using ItkWasm.IO;

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
        var command = new Command("convert", "Converts an image, mesh or transform list between formats: ITK-Wasm's (.iwi, .iwm, .iwt as directories, .cbor or .cbor.zst) and those of @itk-wasm/image-io and @itk-wasm/mesh-io (.nii.gz, .nrrd, .png, .vtk, .obj, ...).")
        {
            input,
            output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (from, to) = (parse.GetValue(input)!, parse.GetValue(output)!);
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
}
