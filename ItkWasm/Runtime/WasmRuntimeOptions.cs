using ItkWasm.Runtime.Node;
using ItkWasm.Runtime.Wasmtime;

namespace ItkWasm.Runtime;

/// <summary>Settings of a <see cref="WasmRuntime"/>.</summary>
public sealed record WasmRuntimeOptions
{
    /// <summary>Gets how many runs of each build go on at once: the Wasmtime runtime's run threads and the Node
    /// runtime's executor processes. It replaces <see cref="WasmtimeRuntimeOptions.ComputeSlots"/> and
    /// <see cref="NodeWasmRuntimeOptions.MaxConcurrency"/>. Default: the processor count; at least 1.</summary>
    public int ComputeSlots { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets the settings of the runtime for WASI builds (module cache folder, interrupt checks).</summary>
    public WasmtimeRuntimeOptions Wasmtime { get; init; } = new();

    /// <summary>Gets the settings of the runtime for npm builds (Node.js, node_modules).</summary>
    public NodeWasmRuntimeOptions Node { get; init; } = new();

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">Names the setting that is wrong.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ComputeSlots, 1, nameof(ComputeSlots));
        ArgumentNullException.ThrowIfNull(Wasmtime, nameof(Wasmtime));
        ArgumentNullException.ThrowIfNull(Node, nameof(Node));
        (Wasmtime with { ComputeSlots = ComputeSlots }).Validate();
        (Node with { MaxConcurrency = ComputeSlots }).Validate();
    }
}
