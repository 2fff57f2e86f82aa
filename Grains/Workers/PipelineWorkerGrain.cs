using ItkWasm.Runtime;
using Orleans.Placement;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// The <see cref="IPipelineWorkerGrain"/>, placed on its first caller's silo, over that silo's one
/// <see cref="IWasmRuntime"/> (Wasmtime's run threads and the Node executors are its compute slots). The attempt runs
/// off the grain's scheduler, on the thread pool (reading and writing files blocks), and the stages themselves on the
/// runtime's own threads and processes.
/// </summary>
[PreferLocalPlacement]
internal sealed class PipelineWorkerGrain(IWasmRuntime runtime, ILocalSiloDetails silo) : Grain, IPipelineWorkerGrain
{
    /// <inheritdoc/>
    public Task<ItemResult> RunAsync(ItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.Run(() => ItemAttempt.RunAsync(runtime, silo.Name, request, cancellationToken), CancellationToken.None);
    }
}
