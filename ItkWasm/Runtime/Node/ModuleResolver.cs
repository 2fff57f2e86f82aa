using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.Node;

/// <summary>
/// Finds a pipeline's files and its compile-cache key: the SHA-256 of the module's bytes (for npm pipelines, of the
/// compressed <c>.wasm.zst</c>), hashed once per path, size and modification time.
/// </summary>
internal sealed class ModuleResolver(string? nodeModules)
{
    private readonly ModuleHashes hashes = new();

    /// <summary>Returns how the executor loads <paramref name="pipeline"/>.</summary>
    /// <exception cref="PipelineRunException">The module or package is missing; the message says what to install.</exception>
    public ModuleSpec Resolve(PipelineReference pipeline) =>
        pipeline.Kind == PipelineModuleKind.Wasi ? ResolveWasi(pipeline) : ResolveNpm(pipeline);

    private ModuleSpec ResolveWasi(PipelineReference pipeline)
    {
        var file = new FileInfo(pipeline.Location);
        if (!file.Exists)
        {
            throw Missing(pipeline, $"no such module file: {pipeline.Location}");
        }

        return new ModuleSpec("wasi", file.FullName, ContentKey(file));
    }

    private ModuleSpec ResolveNpm(PipelineReference pipeline)
    {
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

        return new ModuleSpec("emscripten", basePath, ContentKey(new FileInfo(basePath + ".wasm.zst")));
    }

    private string ContentKey(FileInfo file) => hashes.Of(file);

    private static PipelineRunException Missing(PipelineReference pipeline, string detail) =>
        new(pipeline, PipelineFailureKind.InvalidRequest, detail, string.Empty, string.Empty);
}
