using ItkWasm.Pipelines;
using ItkWasm.Runtime.Node;
using ItkWasm.Runtime.Wasmtime;

namespace ItkWasm.Runtime;

/// <summary>
/// Runs every ITK-Wasm pipeline on the runtime for its build: WASI modules (<c>*.wasi.wasm</c>) in process on
/// <see cref="WasmtimeRuntime"/>, npm pipelines (<c>@scope/package:pipeline</c>, Emscripten builds) on
/// <see cref="NodeWasmRuntime"/>'s Node.js executors. Each runtime starts on the first run that needs it, so WASI
/// pipelines need no Node.js. What the Pipeline API, the command line and jobs use. Thread-safe.
/// </summary>
public sealed class WasmRuntime : IWasmRuntime, IDisposable
{
    private readonly Lazy<WasmtimeRuntime> wasmtime;
    private readonly Lazy<NodeWasmRuntime> node;

    /// <summary>Creates the runtime; nothing starts until the first run.</summary>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public WasmRuntime(WasmRuntimeOptions? options = null)
    {
        options ??= new WasmRuntimeOptions();
        options.Validate();
        wasmtime = new(() => new WasmtimeRuntime(options.Wasmtime with { ComputeSlots = options.ComputeSlots }));
        node = new(() => new NodeWasmRuntime(options.Node with { MaxConcurrency = options.ComputeSlots }));
    }

    /// <summary>Gets the runtime of WASI builds, starting it if needed.</summary>
    public WasmtimeRuntime Wasmtime => wasmtime.Value;

    /// <summary>Gets what the WASI runtime's module cache did so far, or null before it started (nothing compiled).</summary>
    public ModuleCacheStatistics? WasmtimeCacheStatistics => wasmtime.IsValueCreated ? wasmtime.Value.CacheStatistics : null;

    /// <inheritdoc/>
    public Task<PipelineResult> RunAsync(PipelineRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return For(request.Pipeline).RunAsync(request, cancellationToken);
    }

    /// <inheritdoc/>
    public string GetModuleKey(PipelineReference pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        return For(pipeline).GetModuleKey(pipeline);
    }

    /// <summary>Stops whichever runtimes were started.</summary>
    public void Dispose()
    {
        if (wasmtime.IsValueCreated)
        {
            wasmtime.Value.Dispose();
        }

        if (node.IsValueCreated)
        {
            node.Value.Dispose();
        }
    }

    private IWasmRuntime For(PipelineReference pipeline) =>
        pipeline.Kind == PipelineModuleKind.Wasi ? wasmtime.Value : node.Value;
}
