using System.Security.Cryptography.X509Certificates;
using Azure.Data.Tables;
using ItkWasmCluster.Grains;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Connections.Security;
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
        UseClusterCertificate(options, (certificate, configure) => builder.UseTls(certificate, configure));
        return options.AzureStorageConnectionString is { Length: > 0 } azure
            ? builder.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(azure))
            : builder.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(options.RedisConfiguration!));
    }

    /// <summary>Secures the Orleans connections with the cluster certificate, when one is set: mutual TLS, and a peer
    /// gets in only with the same certificate.</summary>
    private static void UseClusterCertificate(ClusterStoreOptions options, Action<X509Certificate2, Action<TlsOptions>> useTls)
    {
        if (options.CertificatePath is not { Length: > 0 } path)
        {
            return;
        }

        var certificate = ClusterCertificate.Load(path, options.CertificatePassword);
        useTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = (remote, _, _) => ClusterCertificate.IsClusterPeer(certificate, remote);
        });
    }
}
