namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// Runs attempts at items whose stages want a GPU, on a silo that has one: its activations are placed only on silos
/// advertising the <c>gpu</c> capability (<see cref="Hosting.GpuSiloPlacementFilterAttribute"/>), and fail to activate
/// when there is none. Partitions key it by the GPU silo they choose and name that silo in the placement hint, as
/// they do <see cref="IPipelineWorkerGrain"/>; the filter holds even where the hint is stale. Same contract as
/// <see cref="IPipelineWorkerGrain.RunAsync"/>.
/// </summary>
public interface IGpuWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs one attempt at an item on this silo's GPU (and its CPU for the stages without a GPU override).</summary>
    [ResponseTimeout("1.00:00:00")]
    Task<ItemResult> RunAsync(ItemRequest request, CancellationToken cancellationToken = default);
}
