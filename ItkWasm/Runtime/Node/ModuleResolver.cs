using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.Node;

/// <summary>
/// Finds an npm pipeline's files and its compile-cache key: the SHA-256 of its compressed <c>.wasm.zst</c>, hashed
/// once per path, size and modification time.
/// </summary>
internal sealed class ModuleResolver(string? nodeModules)
{
    private readonly ModuleHashes hashes = new();

    /// <summary>Returns how the executor loads <paramref name="pipeline"/>.</summary>
    /// <exception cref="PipelineRunException">The module or package is missing; the message says what to install. Or
    /// the pipeline is a WASI build, which runs on Wasmtime.</exception>
    public ModuleSpec Resolve(PipelineReference pipeline)
    {
        if (pipeline.Kind == PipelineModuleKind.Wasi)
        {
            throw Missing(pipeline, "is a WASI build, which runs on Wasmtime (WasmtimeRuntime), not on the Node.js executors");
        }

        try
        {
            // A reference built directly rather than parsed is held to the same plain names.
            _ = PipelineReference.Parse(pipeline.ToString());
        }
        catch (FormatException e)
        {
            throw Missing(pipeline, e.Message);
        }

        if (nodeModules is null)
        {
            throw Missing(pipeline, "no node_modules folder with itk-wasm was found; run the set-up (npm ci) or set ITKWASM_NODE_MODULES");
        }

        var package = Path.Combine(nodeModules, pipeline.Location);
        var pipelines = Path.Combine(package, "dist", "pipelines");
        if (!Directory.Exists(package))
        {
            throw Missing(pipeline, $"the npm package {pipeline.Location} is not installed in {nodeModules}; add it to package.json and run npm ci");
        }

        var basePath = Path.Combine(pipelines, pipeline.Name);
        if (!File.Exists(basePath + ".js") || !File.Exists(basePath + ".wasm.zst"))
        {
            var available = Directory.Exists(pipelines)
                ? string.Join(", ", Directory.GetFiles(pipelines, "*.wasm.zst").Select(f => Path.GetFileName(f)[..^".wasm.zst".Length]).Order())
                : "none";
            throw Missing(pipeline, $"{pipeline.Location} has no pipeline '{pipeline.Name}'; it has: {available}");
        }

        // The executor imports NAME.js: it must be the package's own file, not a link to one elsewhere.
        if (LinkOnTheWay(pipelines, package) is { } link)
        {
            throw Missing(pipeline, $"{link} is a symbolic link; a pipeline's files must lie in {pipeline.Location}/dist/pipelines itself");
        }

        foreach (var file in new[] { basePath + ".js", basePath + ".wasm.zst" })
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                throw Missing(pipeline, $"{file} is a symbolic link; a pipeline's files must lie in {pipeline.Location}/dist/pipelines itself");
            }
        }

        return new ModuleSpec(basePath, ContentKey(new FileInfo(basePath + ".wasm.zst")));
    }

    private string ContentKey(FileInfo file) => hashes.Of(file);

    private static string? LinkOnTheWay(string folder, string package)
    {
        for (var at = folder; at.Length > package.Length; at = Path.GetDirectoryName(at)!)
        {
            if (new DirectoryInfo(at).LinkTarget is not null)
            {
                return at;
            }
        }

        return null;
    }

    private static PipelineRunException Missing(PipelineReference pipeline, string detail) =>
        new(pipeline, PipelineFailureKind.InvalidRequest, detail, string.Empty, string.Empty);
}
