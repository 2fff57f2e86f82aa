using Azure.Data.Tables;
using ItkWasmCluster.Grains;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace ItkWasmCluster.Client;

/// <summary>Points an Orleans client at a cluster's store (Azure Storage tables or Redis), where it finds the silos'
/// gateways. The silo side is <c>ClusterStoreSiloBuilderExtensions</c> in the grains package.</summary>
public static class ClusterStoreClientBuilderExtensions
{
    /// <summary>Configures an Orleans client to find the cluster's gateways in its store.</summary>
    /// <exception cref="ArgumentException">The options name no store, or two; the message names the setting.</exception>
    public static IClientBuilder UseItkWasmClusterStore(this IClientBuilder builder, ClusterStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        builder.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ServiceId));
        ClusterCertificate.Use(options, (certificate, configure) => builder.UseTls(certificate, configure));
        return options.AzureStorageConnectionString is { Length: > 0 } azure
            ? builder.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(azure))
            : builder.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.RedisConfiguration!));
    }
}
