using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace ItkWasmCluster.Storage.GrainStorage;

/// <summary>Registers <see cref="FileGrainStorage"/> on a silo, the way Orleans' own storage providers register.</summary>
public static class FileGrainStorageSiloBuilderExtensions
{
    /// <summary>Adds file grain storage as the default provider (grains whose state names no provider).</summary>
    public static ISiloBuilder AddFileGrainStorageAsDefault(this ISiloBuilder builder, Action<FileGrainStorageOptions> configure) =>
        builder.AddFileGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>Adds file grain storage named <paramref name="name"/>. The options are checked when the silo starts;
    /// the serializer defaults to the one registered under the same name, else the silo's default.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<FileGrainStorageOptions>(name).Configure(configure);
            services.AddTransient<IPostConfigureOptions<FileGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<FileGrainStorageOptions>>();
            services.AddTransient<IConfigurationValidator>(sp =>
                new FileGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(name), name));
            services.AddGrainStorage(name, (sp, key) => new FileGrainStorage(
                sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(key), sp.GetRequiredService<IActivatorProvider>()));
        });
    }
}
