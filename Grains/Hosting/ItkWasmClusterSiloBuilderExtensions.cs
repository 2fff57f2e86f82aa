using ItkWasm.Pipelines.Dispatch;
using ItkWasm.Runtime;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ItkWasmCluster.Grains.Hosting;

/// <summary>Registers ItkWasmCluster's grains' services on a silo: the one registration the silo host, the embedded
/// silo and the tests use.</summary>
public static class ItkWasmClusterSiloBuilderExtensions
{
    /// <summary>
    /// Adds what the job, partition and worker grains need, set by <see cref="ItkWasmClusterOptions"/> (the
    /// configuration section <see cref="ItkWasmClusterOptions.SectionName"/>, then <paramref name="configure"/>;
    /// validated when the host starts): the silo's pipeline runtime with <see cref="ItkWasmClusterOptions.ComputeSlots"/>
    /// slots (unless the host registered an <see cref="IWasmRuntime"/> of its own, which it then owns), the
    /// <see cref="BlobStores"/> of <see cref="ItkWasmClusterOptions.Storage"/> (unless registered), the silo's slots and
    /// capabilities in its silo metadata, and the view of the cluster's slots that spreads items over the silos. The
    /// cluster store (membership, grain storage named <see cref="ClusterStoreOptions.GrainStorageName"/>, reminders) is
    /// configured separately. Calling it again adds the new <paramref name="configure"/> and registers nothing twice.
    /// </summary>
    /// <param name="builder">The silo.</param>
    /// <param name="configure">Changes the options after they are bound from configuration.</param>
    /// <remarks>Override packages plugged in before (<see cref="AddPipelineOverrides{TPackage}"/>) take part: their
    /// capabilities go into the silo's metadata and their overrides into the silo's stage implementations. The host
    /// does not start when <c>gpu</c> is asked for and no package offers it.</remarks>
    public static ISiloBuilder AddItkWasmCluster(this ISiloBuilder builder, Action<ItkWasmClusterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Select(d => d.ImplementationInstance).OfType<Registration>().FirstOrDefault() is not { } registration)
        {
            registration = new Registration();
            services.AddSingleton(registration);
            services.AddOptions<ItkWasmClusterOptions>().BindConfiguration(ItkWasmClusterOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
            services.AddSingleton<IValidateOptions<ItkWasmClusterOptions>>(new ItkWasmClusterOptionsValidator(() => registration.CapabilityError));
            services.TryAddSingleton<IWasmRuntime>(sp =>
            {
                var o = Options(sp);
                return new WasmRuntime(o.Runtime with { ComputeSlots = o.ComputeSlots });
            });
            services.TryAddSingleton(sp => new BlobStores(Options(sp).Storage));
            services.AddSingleton<ClusterSlots>();
            services.TryAddSingleton(TimeProvider.System);
            services.AddPlacementFilter<GpuSiloPlacementFilterStrategy, GpuSiloPlacementFilterDirector>(ServiceLifetime.Singleton);
            services.TryAddSingleton(_ => Workers.StageImplementations.For(registration.Offered, registration.Packages));
            services.TryAddSingleton<Workers.ItemRunners>();
            services.TryAddSingleton<Jobs.AttemptLedger>();
        }

        if (configure is not null)
        {
            registration.Configure.Add(configure);
            services.Configure(configure);
        }

        // Orleans reads the silo's metadata as it builds, so the slots and capabilities it publishes are taken now, from
        // the same configuration and delegates; their errors are reported when the host starts.
        var options = new ItkWasmClusterOptions();
        builder.Configuration.GetSection(ItkWasmClusterOptions.SectionName).Bind(options);
        registration.Configure.ForEach(c => c(options));
        registration.Packages = services.Where(d => d.ServiceType == typeof(IPipelineOverridePackage) && d.ImplementationInstance is not null)
            .Select(d => (IPipelineOverridePackage)d.ImplementationInstance!).ToList();
        try
        {
            (registration.Offered, registration.CapabilityError) = (Workers.StageImplementations.Detect(options.Capabilities, registration.Packages), null);
        }
        catch (InvalidOperationException e)
        {
            (registration.Offered, registration.CapabilityError) = ([], e.Message);
        }

        builder.UseSiloMetadata(new Dictionary<string, string>
        {
            [ClusterSlots.SlotsKey] = options.ComputeSlots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ClusterSlots.CapabilitiesKey] = string.Join(',', registration.Offered),
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

    private static ItkWasmClusterOptions Options(IServiceProvider services) => services.GetRequiredService<IOptions<ItkWasmClusterOptions>>().Value;

    /// <summary>What the registration found: the delegates given so far, the override packages, the capabilities the
    /// silo offers, and why the ones asked for cannot be offered, if so.</summary>
    private sealed class Registration
    {
        public List<Action<ItkWasmClusterOptions>> Configure { get; } = [];

        public IReadOnlyList<IPipelineOverridePackage> Packages { get; set; } = [];

        public IReadOnlyList<string> Offered { get; set; } = [];

        public string? CapabilityError { get; set; }
    }
}
