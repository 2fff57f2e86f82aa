using Azure.Data.Tables;
using Azure.Storage.Blobs;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace ItkWasmCluster.Grains.Hosting;

/// <summary>
/// Puts a silo's membership, grain state and reminders in the cluster store that
/// <see cref="ClusterStoreOptions"/> names, with Orleans' own providers: Azure Storage tables for membership and
/// reminders and blobs for grain state, or Redis for all three. Neither needs SQL scripts. Membership is tuned for
/// batch work: a silo killed with <c>kill -9</c> is declared dead in seconds rather than Orleans' default of about a
/// minute for a paused one (probe timeout 1 s, 2 missed probes, table refresh and I-am-alive publication every 5 s);
/// configure <see cref="ClusterMembershipOptions"/> after this call to change it.
/// </summary>
public static class ClusterStoreSiloBuilderExtensions
{
    /// <summary>Configures the silo's cluster store.</summary>
    /// <exception cref="ArgumentException">The options name no store, or two; the message names the setting.</exception>
    public static ISiloBuilder UseItkWasmClusterStore(this ISiloBuilder builder, ClusterStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        builder.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (options.ClusterId, options.ServiceId));
        ClusterCertificate.Use(options, (certificate, configure) => builder.UseTls(certificate, configure));
        builder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            o.TableRefreshTimeout = TimeSpan.FromSeconds(5);
        });
        if (options.AzureStorageConnectionString is { Length: > 0 } azure)
        {
            return builder
                .UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(azure))
                .AddAzureBlobGrainStorage(ClusterStoreOptions.GrainStorageName, o => o.BlobServiceClient = Blobs(azure))
                .UseAzureTableReminderService(o => o.TableServiceClient = new TableServiceClient(azure));
        }

        var redis = ConfigurationOptions.Parse(options.RedisConfiguration!);
        return builder
            .UseRedisClustering(o => o.ConfigurationOptions = redis)
            .AddRedisGrainStorage(ClusterStoreOptions.GrainStorageName, o => o.ConfigurationOptions = redis)
            .UseRedisReminderService(o => o.ConfigurationOptions = redis);
    }

    private static BlobServiceClient Blobs(string connectionString) => new(connectionString, new BlobClientOptions(BlobStorageOptions.ServiceVersion));
}
