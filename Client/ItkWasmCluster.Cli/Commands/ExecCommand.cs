using System.CommandLine;
using System.Globalization;
using System.Text;
using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Pipelines;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster exec PIPELINE ARGS...</c>: runs one pipeline with ITK-Wasm's own command-line shape. Following
/// the pipeline's <c>--interface-json</c> description, interface-typed arguments (positional or option) are file paths
/// or blobs (<c>az://CONTAINER/NAME</c> or blob URLs, copied through a temporary folder; see <see cref="LocalCopies"/>):
/// images, meshes and transforms are read and written in any supported format, text and binary streams and JSON are
/// the files' contents, text and binary files are passed as paths. Other arguments pass through unchanged.
/// </summary>
internal static class ExecCommand
{
    /// <summary>Creates the command. <paramref name="rawArgs"/> are the whole command line, so the pipeline's own
    /// options reach it untouched.</summary>
    public static Command Create(string[] rawArgs, TextWriter stdout, TextWriter stderr, RuntimeHolder runtime)
    {
        var pipelineArgument = new Argument<string>("pipeline") { Description = "A .wasi.wasm module (a path or a blob), or an npm pipeline such as @itk-wasm/downsample:downsample." };
        var rest = new Argument<string[]>("arguments") { Description = "The pipeline's arguments: inputs, outputs (as file paths or blobs), then options.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("exec", "Runs one ITK-Wasm pipeline on files, with the pipeline's own command-line shape.")
        {
            pipelineArgument,
            rest,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var copies = new LocalCopies();
            var reference = PipelineReference.Parse(await copies.ReadableAsync(parse.GetValue(pipelineArgument)!, cancellationToken).ConfigureAwait(false));
            var tokens = rawArgs.SkipWhile(a => a != "exec").Skip(2).ToArray();
            var pipeline = new Pipeline(reference, runtime.Runtime);
            if (tokens.FirstOrDefault(t => t is "--interface-json" or "--help" or "-h" or "--version") is { } query)
            {
                // ITK-Wasm pipelines answer these before looking at any other argument (ITKWASM-SPEC §1.4).
                using var answer = await pipeline.RunAsync([query], [], [], null, cancellationToken).ConfigureAwait(false);
                await stdout.WriteAsync(answer.Stdout).ConfigureAwait(false);
                await stderr.WriteAsync(answer.Stderr).ConfigureAwait(false);
                return CliApp.Success;
            }

            PipelineInterface description;
            try
            {
                description = await pipeline.GetInterfaceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PipelineRunException e) when (e.Kind == PipelineFailureKind.InvalidModule && e.Detail.StartsWith("--interface-json", StringComparison.Ordinal))
            {
                // A module that describes no interface (a test or tool module): its arguments pass through as written.
                using var plain = await pipeline.RunAsync(tokens, [], [], null, cancellationToken).ConfigureAwait(false);
                await stdout.WriteAsync(plain.Stdout).ConfigureAwait(false);
                await stderr.WriteAsync(plain.Stderr).ConfigureAwait(false);
                return CliApp.Success;
            }

            var plan = new ExecPlan(new DataFiles(runtime), copies);
            await plan.BindAsync(description, tokens, cancellationToken).ConfigureAwait(false);
            try
            {
                using var result = await pipeline.RunAsync(plan.Args, plan.Outputs, plan.Inputs, null, cancellationToken).ConfigureAwait(false);
                await stdout.WriteAsync(result.Stdout).ConfigureAwait(false);
                await stderr.WriteAsync(result.Stderr).ConfigureAwait(false);
                await plan.WriteOutputsAsync(result, cancellationToken).ConfigureAwait(false);
                await copies.CommitAsync(cancellationToken).ConfigureAwait(false);
                return CliApp.Success;
            }
            finally
            {
                plan.Dispose();
            }
        });
        return command;
    }

    /// <summary>Binds command-line tokens to a pipeline run: reads input files, plans output files.</summary>
    private sealed class ExecPlan(DataFiles files, LocalCopies copies) : IDisposable
    {
        private readonly List<(int Index, string Path)> outputFiles = [];

        public List<string> Args { get; } = [];

        public List<PipelineInput> Inputs { get; } = [];

        public List<PipelineOutput> Outputs { get; } = [];

        public async Task BindAsync(PipelineInterface description, string[] tokens, CancellationToken ct)
        {
            var positionals = description.Inputs.Concat(description.Outputs).ToList();
            var next = 0;
            for (var i = 0; i < tokens.Length; i++)
            {
                var token = tokens[i];
                if (IsOption(token))
                {
                    Args.Add(token);
                    var option = description.Parameters.FirstOrDefault(p => "--" + p.Name == token);
                    while (i + 1 < tokens.Length && !IsOption(tokens[i + 1]))
                    {
                        i++;
                        Args.Add(option?.InterfaceType is null ? tokens[i] : await BindAsync(option, tokens[i], ct).ConfigureAwait(false));
                    }

                    continue;
                }

                if (next >= positionals.Count)
                {
                    throw new CliUsageException($"{description.Name} takes {positionals.Count} positional arguments ({string.Join(", ", positionals.Select(p => p.Name))}); '{token}' is one too many");
                }

                var parameter = positionals[next++];
                Args.Add(parameter.InterfaceType is null ? token : await BindAsync(parameter, token, ct).ConfigureAwait(false));
            }

            var missing = positionals.Skip(next).Where(p => p.Required || p.IsOutput || p.IsInput).Select(p => p.Name).ToArray();
            if (missing.Length > 0)
            {
                throw new CliUsageException($"{description.Name} needs {string.Join(", ", positionals.Select(p => p.Name))}; missing: {string.Join(", ", missing)}");
            }
        }

        public async Task WriteOutputsAsync(PipelineResult result, CancellationToken ct)
        {
            foreach (var (index, path) in outputFiles)
            {
                switch (result.Outputs[index])
                {
                    case TextStream text:
                        await AtomicTextAsync(path, text.Data, ct).ConfigureAwait(false);
                        break;
                    case JsonCompatible json:
                        await AtomicTextAsync(path, json.ToJsonString(), ct).ConfigureAwait(false);
                        break;
                    case BinaryStream binary:
                        await File.WriteAllBytesAsync(path, binary.Data.ToArray(), ct).ConfigureAwait(false);
                        break;
                    case IDisposable value:
                        await files.WriteAsync(value, path, ct).ConfigureAwait(false);
                        break;
                    default:
                        break;
                }
            }
        }

        public void Dispose()
        {
            foreach (var input in Inputs)
            {
                (input.Value as IDisposable)?.Dispose();
            }
        }

        private async Task<string> BindAsync(PipelineParameter parameter, string path, CancellationToken ct)
        {
            var type = parameter.InterfaceType!.Value;
            if (parameter.IsOutput)
            {
                var full = Path.GetFullPath(copies.Writable(path));
                if (type is InterfaceType.TextFile or InterfaceType.BinaryFile)
                {
                    Outputs.Add(PipelineOutput.File(type, full));
                    return full;
                }

                outputFiles.Add((Outputs.Count, full));
                Outputs.Add(new PipelineOutput(type));
                return Index(Outputs.Count - 1);
            }

            var named = path;
            path = await copies.ReadableAsync(path, ct).ConfigureAwait(false);
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new FileNotFoundException($"{named}: no such file (input '{parameter.Name}')", path);
            }

            Inputs.Add(type switch
            {
                InterfaceType.TextFile => PipelineInput.TextFile(path),
                InterfaceType.BinaryFile => PipelineInput.BinaryFile(path),
                InterfaceType.TextStream => PipelineInput.Text(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false)),
                InterfaceType.BinaryStream => PipelineInput.Binary(await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false)),
                InterfaceType.JsonCompatible => PipelineInput.Json(JsonCompatible.Parse(await File.ReadAllTextAsync(path, ct).ConfigureAwait(false))),
                InterfaceType.Image => PipelineInput.Image((Image)await files.ReadAsync(path, ItkWasmDataKind.Image, ct).ConfigureAwait(false)),
                InterfaceType.Mesh => PipelineInput.Mesh((Mesh)await files.ReadAsync(path, ItkWasmDataKind.Mesh, ct).ConfigureAwait(false)),
                InterfaceType.TransformList => PipelineInput.TransformList((TransformList)await files.ReadAsync(path, ItkWasmDataKind.TransformList, ct).ConfigureAwait(false)),
                _ => throw new UnsupportedFormatException(LocalCopies.Describe(named)),
            });
            return type is InterfaceType.TextFile or InterfaceType.BinaryFile ? Path.GetFullPath(path) : Index(Inputs.Count - 1);
        }

        private static async Task AtomicTextAsync(string path, string text, CancellationToken ct)
        {
            var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
            await File.WriteAllTextAsync(temp, text, new UTF8Encoding(false), ct).ConfigureAwait(false);
            File.Move(temp, path, overwrite: true);
        }

        private static bool IsOption(string token) =>
            token.StartsWith('-') && token.Length > 1 && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

        private static string Index(int index) => index.ToString(CultureInfo.InvariantCulture);
    }
}
