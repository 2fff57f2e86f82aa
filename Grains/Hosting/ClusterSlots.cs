using ItkWasm.Pipelines.Dispatch;
using ItkWasmCluster.Jobs;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ItkWasmCluster.Grains.Hosting;

/// <summary>
/// The cluster's active silos and how many compute slots each offers, from Orleans membership and the silo metadata
/// each silo publishes (<see cref="SlotsKey"/>, set by <see cref="ItkWasmClusterSiloBuilderExtensions.AddItkWasmCluster"/>).
/// Partitions use it to spread their items over every silo in proportion to its slots. A silo whose metadata has not
/// arrived yet counts as one slot.
/// </summary>
public sealed class ClusterSlots(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    /// <summary>The silo metadata key of a silo's compute slots.</summary>
    public const string SlotsKey = "itkwasm.slots";

    /// <summary>The silo metadata key of a silo's capabilities (comma-separated, such as <c>gpu</c>).</summary>
    public const string CapabilitiesKey = "itkwasm.capabilities";

    /// <summary>Returns the active silos with their slots, in address order.</summary>
    public IReadOnlyList<SiloSlots> Active() => membership.CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => new SiloSlots(m.SiloAddress, SlotsOf(m.SiloAddress), CapabilitiesOf(m.SiloAddress)))
        .OrderBy(s => s.Silo.ToParsableString(), StringComparer.Ordinal)
        .ToArray();

    /// <summary>Returns the capabilities a silo advertises (none while its metadata has not arrived).</summary>
    public IReadOnlyList<string> CapabilitiesOf(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(CapabilitiesKey, out var text)
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries)
            : [];

    /// <summary>Refuses <paramref name="spec"/> when one of its stages insists on a GPU and no active silo has one.</summary>
    /// <exception cref="JobSpecException">The stage's accelerator is named.</exception>
    public void RequireGpuWhereAsked(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        for (var i = 0; i < spec.Stages.Count; i++)
        {
            if (spec.Stages[i].Accelerator == StageAccelerator.Gpu && !Active().Any(s => s.Capabilities.Contains(PipelineCapabilities.Gpu)))
            {
                throw new JobSpecException($"stages[{i}].accelerator", "is gpu, and no active silo has a GPU (a silo offers one with --capability gpu and a CUDA or OpenCL device); use auto to run where there is one and on the CPU otherwise");
            }
        }
    }

    private int SlotsOf(SiloAddress silo) =>
        metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SlotsKey, out var text) && int.TryParse(text, out var slots) && slots > 0 ? slots : 1;
}

/// <summary>An active silo, its compute slots and its capabilities.</summary>
/// <param name="Silo">The silo.</param>
/// <param name="Slots">How many items it runs at once.</param>
/// <param name="Capabilities">What it offers beyond wasm (<c>simd</c>, <c>gpu</c>).</param>
public sealed record SiloSlots(SiloAddress Silo, int Slots, IReadOnlyList<string> Capabilities);
