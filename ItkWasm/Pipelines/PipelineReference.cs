namespace ItkWasm.Pipelines;

/// <summary>The two kinds of ITK-Wasm pipeline module.</summary>
public enum PipelineModuleKind
{
    /// <summary>A WASI build (<c>*.wasi.wasm</c>), as shipped in the PyPI <c>itkwasm-*-wasi</c> wheels.</summary>
    Wasi,

    /// <summary>An Emscripten build from an npm ITK-Wasm package (<c>dist/pipelines/NAME.js</c> and <c>NAME.wasm.zst</c>).</summary>
    Npm,
}

/// <summary>
/// Names a pipeline: a path to a <c>.wasi.wasm</c> module, or an npm ITK-Wasm pipeline written
/// <c>@scope/package:pipeline</c>, for example <c>@itk-wasm/downsample:downsample</c>.
/// </summary>
/// <param name="Kind">Which build the module is.</param>
/// <param name="Location">The full path of the WASI module, or the npm package name (<c>@itk-wasm/downsample</c>).</param>
/// <param name="Name">The pipeline's name: the module file name without <c>.wasi.wasm</c>, or the npm pipeline name.</param>
public sealed record PipelineReference(PipelineModuleKind Kind, string Location, string Name)
{
    /// <summary>Parses a reference: <c>@scope/package:pipeline</c> for npm, anything else is a path to a WASI module.</summary>
    /// <exception cref="FormatException">An npm reference lacks its package or pipeline part.</exception>
    public static PipelineReference Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        if (reference.StartsWith('@') && !File.Exists(reference))
        {
            var colon = reference.LastIndexOf(':');
            var slash = reference.IndexOf('/', StringComparison.Ordinal);
            if (colon < 0 || slash < 0 || slash > colon || colon == reference.Length - 1)
            {
                throw new FormatException(
                    $"'{reference}' is not an npm pipeline reference; write it @scope/package:pipeline, for example @itk-wasm/downsample:downsample");
            }

            var package = reference[..colon];
            var pipeline = reference[(colon + 1)..];
            var names = package[1..].Split('/');
            if (names.Length != 2 || !names.All(IsPlainName) || !IsPlainName(pipeline))
            {
                throw new FormatException(
                    $"'{reference}' is not an npm pipeline reference: the scope, package and pipeline must be plain names (lowercase letters, digits, '.', '_' and '-', not starting with '.'), for example @itk-wasm/downsample:downsample");
            }

            return new PipelineReference(PipelineModuleKind.Npm, package, pipeline);
        }

        var fullPath = Path.GetFullPath(reference);
        var file = Path.GetFileName(fullPath);
        var name = file.EndsWith(".wasi.wasm", StringComparison.OrdinalIgnoreCase) ? file[..^".wasi.wasm".Length]
            : file.EndsWith(".wasm", StringComparison.OrdinalIgnoreCase) ? file[..^".wasm".Length]
            : file;
        return new PipelineReference(PipelineModuleKind.Wasi, fullPath, name);
    }

    /// <summary>Gets whether <paramref name="name"/> is a plain npm name: lowercase letters, digits, '.', '_' and '-',
    /// not starting with '.' (so never '.', '..' or a path).</summary>
    private static bool IsPlainName(string name) =>
        name.Length is > 0 and <= 214 && name[0] != '.' && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '-');

    /// <summary>Returns the reference as written: <c>@scope/package:pipeline</c> or the module path.</summary>
    public override string ToString() => Kind == PipelineModuleKind.Npm ? $"{Location}:{Name}" : Location;
}
