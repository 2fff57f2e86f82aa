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

            return new PipelineReference(PipelineModuleKind.Npm, reference[..colon], reference[(colon + 1)..]);
        }

        var fullPath = Path.GetFullPath(reference);
        var file = Path.GetFileName(fullPath);
        var name = file.EndsWith(".wasi.wasm", StringComparison.OrdinalIgnoreCase) ? file[..^".wasi.wasm".Length]
            : file.EndsWith(".wasm", StringComparison.OrdinalIgnoreCase) ? file[..^".wasm".Length]
            : file;
        return new PipelineReference(PipelineModuleKind.Wasi, fullPath, name);
    }

    /// <summary>Returns the reference as written: <c>@scope/package:pipeline</c> or the module path.</summary>
    public override string ToString() => Kind == PipelineModuleKind.Npm ? $"{Location}:{Name}" : Location;
}
