using ItkWasm.Pipelines.Dispatch;
using ItkWasm.Runtime;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ItkWasmCluster.Grains.Hosting;

/// <summary>Registers ItkWasmCluster's grains' services on a silo.</summary>
public static class ItkWasmClusterSiloBuilderExtensions
{
    /// <summary>
    /// Adds what the job, partition and worker grains need: the silo's pipeline <paramref name="runtime"/> (its compute
    /// slots are this silo's share of the cluster's work), the silo's slots and capabilities in its silo metadata, and
    /// the view of the cluster's slots that spreads items over the silos. The cluster store (membership, grain storage
    /// named <see cref="ClusterStoreOptions.GrainStorageName"/>, reminders) is configured separately.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="runtime">The runtime the silo's items run on; the caller owns it and disposes it after the silo stops.</param>
    /// <param name="slots">How many items the runtime runs at once (its compute slots).</param>
    /// <param name="stores">Opens the jobs' datasets and results, within the locations this silo serves.</param>
    /// <param name="capabilities">What the silo is told it offers beyond wasm (such as <c>gpu</c>); see
    /// <see cref="Workers.StageImplementations.Detect"/> for what is added and checked.</param>
    /// <remarks>Override packages plugged in before (<see cref="AddPipelineOverrides{TPackage}"/>) take part: their
    /// capabilities go into the silo's metadata and their overrides into the silo's stage implementations.</remarks>
    /// <exception cref="InvalidOperationException"><c>gpu</c> is asked for and no package offers it.</exception>
    public static ISiloBuilder AddItkWasmCluster(this ISiloBuilder builder, IWasmRuntime runtime, int slots, BlobStores stores, IEnumerable<string>? capabilities = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        var packages = builder.Services.Where(d => d.ServiceType == typeof(IPipelineOverridePackage) && d.ImplementationInstance is not null)
            .Select(d => (IPipelineOverridePackage)d.ImplementationInstance!).ToList();
        var offered = Workers.StageImplementations.Detect(capabilities, packages);
        builder.UseSiloMetadata(new Dictionary<string, string>
        {
            [ClusterSlots.SlotsKey] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ClusterSlots.CapabilitiesKey] = string.Join(',', offered),
        });
        builder.ConfigureServices(services =>
        {
            services.AddSingleton(runtime).AddSingleton(stores).AddSingleton<ClusterSlots>();
            services.TryAddSingleton(TimeProvider.System);
            services.AddPlacementFilter<GpuSiloPlacementFilterStrategy, GpuSiloPlacementFilterDirector>(ServiceLifetime.Singleton);
            services.TryAddSingleton(_ => Workers.StageImplementations.For(offered, packages));
            services.TryAddSingleton<Workers.ItemRunners>();
            services.TryAddSingleton<Jobs.AttemptLedger>();
        });
        return builder;
    }

    /// <summary>Plugs a package of pipeline overrides into the silo (such as <c>DownsampleOverridePackage</c>); call it
    /// before <see cref="AddItkWasmCluster"/>. Adding the same package twice adds it once.</summary>
    public static ISiloBuilder AddPipelineOverrides<TPackage>(this ISiloBuilder builder)
        where TPackage : IPipelineOverridePackage, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Services.Any(d => d.ServiceType == typeof(IPipelineOverridePackage) && d.ImplementationInstance is TPackage))
        {
            builder.Services.AddSingleton<IPipelineOverridePackage>(new TPackage());
        }

        return builder;
    }
}
