using ItkWasmCluster.Grains.Hosting;
using Orleans.Concurrency;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>The <see cref="IGpuWorkerGrain"/>: only on silos with a GPU, reentrant, each attempt on the thread pool as
/// <see cref="PipelineWorkerGrain"/> runs it; the silo's overrides choose the GPU for the stages that have a GPU
/// implementation.</summary>
[Reentrant]
[GpuSiloPlacementFilter]
internal sealed class GpuWorkerGrain(ItemRunners runners, ILocalSiloDetails silo, IGrainFactory grains, TimeProvider time) : Grain, IGpuWorkerGrain
{
    /// <inheritdoc/>
    public Task<ItemResult> RunAsync(ItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.Run(() => ItemAttempt.RunAsync(runners, grains, time, silo.SiloAddress.ToString(), request, cancellationToken), CancellationToken.None);
    }
}
