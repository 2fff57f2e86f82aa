using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
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
    /// the serializer defaults to Orleans' own binary serializer (<see cref="OrleansGrainStorageSerializer"/>: compact,
    /// version-tolerant for <c>[GenerateSerializer]</c> state types, and several times cheaper than JSON for the
    /// partitions' item lists, which are written several times a second).</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        return builder.ConfigureServices(services =>
        {
            services.AddOptions<FileGrainStorageOptions>(name).Configure(configure)
                .PostConfigure<Serializer>((o, serializer) => o.GrainStorageSerializer ??= new OrleansGrainStorageSerializer(serializer));
            services.AddTransient<IPostConfigureOptions<FileGrainStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<FileGrainStorageOptions>>();
            services.AddTransient<IConfigurationValidator>(sp =>
                new FileGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(name), name));
            services.AddGrainStorage(name, (sp, key) => new FileGrainStorage(
                sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(key), sp.GetRequiredService<IActivatorProvider>()));
        });
    }
}
