using ItkWasm.Pipelines.Dispatch;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace ItkWasmCluster.Grains.Hosting;

/// <summary>Places a grain only on silos whose metadata lists the <c>gpu</c> capability
/// (<see cref="ClusterSlots.CapabilitiesKey"/>). Orleans' own metadata filters compare a silo's metadata with the
/// calling silo's, which cannot say "a silo with a GPU".</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class GpuSiloPlacementFilterAttribute() : PlacementFilterAttribute(new GpuSiloPlacementFilterStrategy());

/// <summary>The strategy of <see cref="GpuSiloPlacementFilterAttribute"/>.</summary>
public sealed class GpuSiloPlacementFilterStrategy() : PlacementFilterStrategy(order: 0);

/// <summary>Keeps the silos that advertise <c>gpu</c>; none when none does (the placement then fails, and the caller
/// runs its stage elsewhere or reports that no GPU is there).</summary>
internal sealed class GpuSiloPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    /// <inheritdoc/>
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos) =>
        silos.Where(silo => metadata.GetSiloMetadata(silo).Metadata.TryGetValue(ClusterSlots.CapabilitiesKey, out var capabilities)
                            && capabilities.Split(',').Contains(PipelineCapabilities.Gpu, StringComparer.Ordinal));
}
