using ItkWasm.Runtime;
using Orleans.Concurrency;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// The <see cref="IPipelineWorkerGrain"/> of a silo, over its one <see cref="IWasmRuntime"/> (Wasmtime's run threads and
/// the Node executors are its compute slots). The attempt runs off the grain's scheduler, on the thread pool (reading
/// and writing files blocks), and the stages themselves on the runtime's own threads and processes.
/// </summary>
[StatelessWorker]
internal sealed class PipelineWorkerGrain(IWasmRuntime runtime, ILocalSiloDetails silo) : Grain, IPipelineWorkerGrain
{
    /// <inheritdoc/>
    public Task<ItemResult> RunAsync(ItemRequest request, GrainCancellationToken? cancellation = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var token = cancellation?.CancellationToken ?? CancellationToken.None;
        return Task.Run(() => ItemAttempt.RunAsync(runtime, silo.Name, request, token), CancellationToken.None);
    }
}
