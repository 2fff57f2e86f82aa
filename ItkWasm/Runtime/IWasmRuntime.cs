using ItkWasm.Pipelines;

namespace ItkWasm.Runtime;

/// <summary>
/// Runs ITK-Wasm pipeline modules: compiles each module once, caches it, and runs each call on a fresh instance
/// (ITKWASM-SPEC §1.3). <see cref="WasmRuntime"/> runs each build on its own implementation:
/// <see cref="Wasmtime.WasmtimeRuntime"/> (WASI builds, in process) and <see cref="Node.NodeWasmRuntime"/> (npm builds).
/// </summary>
public interface IWasmRuntime
{
    /// <summary>Runs one pipeline call.</summary>
    /// <param name="request">The module, arguments, inputs, outputs and limits.</param>
    /// <param name="cancellationToken">Controls the request lifetime; cancelling stops the running module.</param>
    /// <returns>The outputs; the caller disposes the result.</returns>
    /// <exception cref="PipelineRunException">The run failed; the runtime stays usable.</exception>
    Task<PipelineResult> RunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default);

    /// <summary>Returns the content hash of the module <paramref name="pipeline"/> resolves to, which is also its
    /// compile-cache key. Callers use it to recognise a result computed by the same module before.</summary>
    /// <exception cref="PipelineRunException">The module or package is missing.</exception>
    string GetModuleKey(PipelineReference pipeline);
}
