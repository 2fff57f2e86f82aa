using ItkWasm.Runtime;

namespace ItkWasmCluster.Cli;

/// <summary>Starts the pipeline runtime only when a command needs it (ITK-Wasm's own formats do not), and stops it.</summary>
internal sealed class RuntimeHolder : IDisposable
{
    private WasmRuntime? runtime;

    /// <summary>Gets the runtime, starting it on first use.</summary>
    public IWasmRuntime Runtime => runtime ??= new WasmRuntime();

    /// <summary>Stops the runtime (Node.js executors, Wasmtime run threads), if it was started.</summary>
    public void Dispose() => runtime?.Dispose();
}
