using ItkWasm.Runtime;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ItkWasmCluster.Grains.Tests.Hosting;

/// <summary>The one registration of the grains' services: options bound from configuration and changed in code,
/// validated when the host starts with errors that name the setting, the silo's slots set in one place, and a second
/// call that registers nothing twice.</summary>
public sealed class ItkWasmClusterRegistrationTests
{
    [Fact]
    public void Options_AreBoundFromConfiguration_ThenChangedInCode_AndTheSlotsGoEverywhereFromThere()
    {
        using var host = Build(new() { ["ItkWasmCluster:ComputeSlots"] = "3", ["ItkWasmCluster:Capabilities:0"] = "fast-disk" }, silo => silo.AddItkWasmCluster());
        var options = host.Services.GetRequiredService<IOptions<ItkWasmClusterOptions>>().Value;
        Assert.Equal(3, options.ComputeSlots);
        var metadata = host.Services.GetRequiredService<IOptions<SiloMetadata>>().Value.Metadata;
        Assert.Equal("3", metadata[ClusterSlots.SlotsKey]);
        Assert.Contains("fast-disk", metadata[ClusterSlots.CapabilitiesKey].Split(','));

        using var changed = Build(new() { ["ItkWasmCluster:ComputeSlots"] = "3" }, silo => silo.AddItkWasmCluster(o => o.ComputeSlots = 5));
        Assert.Equal(5, changed.Services.GetRequiredService<IOptions<ItkWasmClusterOptions>>().Value.ComputeSlots);
        Assert.Equal("5", changed.Services.GetRequiredService<IOptions<SiloMetadata>>().Value.Metadata[ClusterSlots.SlotsKey]);
    }

    [Fact]
    public void ASecondCall_RegistersNothingTwice_AndItsChangesApply()
    {
        using var once = Build([], silo => silo.AddItkWasmCluster(o => o.ComputeSlots = 2));
        using var host = Build([], silo => silo.AddItkWasmCluster(o => o.ComputeSlots = 2).AddItkWasmCluster(o => o.ComputeSlots = 4));
        Assert.Single(host.Services.GetServices<ClusterSlots>());
        Assert.Single(host.Services.GetServices<IWasmRuntime>());
        Assert.Equal(once.Services.GetServices<IValidateOptions<ItkWasmClusterOptions>>().Count(), host.Services.GetServices<IValidateOptions<ItkWasmClusterOptions>>().Count());
        Assert.Equal(4, host.Services.GetRequiredService<IOptions<ItkWasmClusterOptions>>().Value.ComputeSlots);
        Assert.Equal("4", host.Services.GetRequiredService<IOptions<SiloMetadata>>().Value.Metadata[ClusterSlots.SlotsKey]);
    }

    [Theory]
    [InlineData("slots", "ComputeSlots")]
    [InlineData("gpu", "ItkWasmCluster:Capabilities")]
    [InlineData("storage", "ItkWasmCluster:Storage")]
    public async Task InvalidOptions_StopTheHostAtStart_NamingTheSetting(string fault, string named)
    {
        using var host = Build([], silo => silo.AddItkWasmCluster(o =>
        {
            switch (fault)
            {
                case "slots": o.ComputeSlots = 0; break;
                case "gpu": o.Capabilities = ["gpu"]; break; // no package of GPU overrides is plugged in
                default: o.Storage = new BlobStorageOptions { Confinement = new StorageConfinement { DataRoots = ["az://results/x"] } }; break;
            }
        }));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings, Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(Ports.Free(), Ports.Free()).AddMemoryGrainStorage(ClusterStoreOptions.GrainStorageName).UseInMemoryReminderService();
            configure(silo);
        });
        return builder.Build();
    }
}
