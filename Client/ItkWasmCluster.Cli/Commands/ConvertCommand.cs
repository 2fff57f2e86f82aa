using System.CommandLine;
using ItkWasm.IO;

namespace ItkWasmCluster.Cli.Commands;

/// <summary><c>itkwasm-cluster convert IN OUT</c>: converts between the forms of one kind, chosen by extension.</summary>
internal static class ConvertCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "File or directory to read (.iwi, .iwm, .iwt, optionally .cbor or .cbor.zst)." };
        var output = new Argument<string>("output") { Description = "File or directory to write; its extension picks the form. Written atomically." };
        var command = new Command("convert", "Converts an ITK-Wasm image, mesh or transform list between the directory, .cbor and .cbor.zst forms.")
        {
            input,
            output,
        };
        command.SetAction(parse =>
        {
            var (from, to) = (parse.GetValue(input)!, parse.GetValue(output)!);
            var (source, destination) = (ItkWasmFiles.Classify(from), ItkWasmFiles.Classify(to));
            if (source.Kind != destination.Kind)
            {
                throw new NotSupportedException(
                    $"cannot convert {ItkWasmPath.Describe(source.Kind)} ({from}) into {ItkWasmPath.Describe(destination.Kind)} ({to}); the output extension must name the same kind");
            }

            using var value = ItkWasmFiles.Read(from);
            ItkWasmFiles.Write(value, to);
            return CliApp.Success;
        });
        return command;
    }
}
