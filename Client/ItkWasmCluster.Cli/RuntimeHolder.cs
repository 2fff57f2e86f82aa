using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;

namespace ItkWasmCluster.Cli;

/// <summary>Starts the pipeline runtime only when a command needs it (ITK-Wasm's own formats do not), and stops it.</summary>
internal sealed class RuntimeHolder : IDisposable
{
    private NodeWasmRuntime? runtime;

    /// <summary>Gets the runtime, starting it on first use.</summary>
    public IWasmRuntime Runtime => runtime ??= new NodeWasmRuntime();

    /// <summary>Stops the runtime's executors, if it was started.</summary>
    public void Dispose() => runtime?.Dispose();
}
