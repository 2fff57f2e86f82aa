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

        return new ModuleSpec(basePath, ContentKey(new FileInfo(basePath + ".wasm.zst")));
    }

    private string ContentKey(FileInfo file) => hashes.Of(file);

    private static PipelineRunException Missing(PipelineReference pipeline, string detail) =>
        new(pipeline, PipelineFailureKind.InvalidRequest, detail, string.Empty, string.Empty);
}
