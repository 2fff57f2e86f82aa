namespace ItkWasmCluster.Grains;

/// <summary>
/// Where a cluster keeps its membership table, its grains' state and its reminders: Azure Storage (tables and blobs,
/// created on start; Azurite in tests) or Redis. Exactly one store is set. Every silo and client of a cluster uses the
/// same store, <see cref="ServiceId"/> and <see cref="ClusterId"/>.
/// </summary>
public sealed class ClusterStoreOptions
{
    /// <summary>The name of the grain storage the cluster's grains keep their state in.</summary>
    public const string GrainStorageName = "itkwasm";

    /// <summary>Gets or sets an Azure Storage connection string (as the Azure CLI's <c>AZURE_STORAGE_CONNECTION_STRING</c>
    /// holds one). The silo option <c>--azure-storage</c>, variable <c>ITKWASM_SILO_AZURE_STORAGE</c>.</summary>
    public string? AzureStorageConnectionString { get; set; }

    /// <summary>Gets or sets a StackExchange.Redis configuration string, such as <c>redis1:6379,password=…</c>. The silo
    /// option <c>--redis</c>, variable <c>ITKWASM_SILO_REDIS</c>.</summary>
    public string? RedisConfiguration { get; set; }

    /// <summary>Gets or sets the id of this deployment of the cluster: silos with the same id form one cluster.
    /// Default <c>itkwasm</c>.</summary>
    public string ClusterId { get; set; } = "itkwasm";

    /// <summary>Gets or sets the id of the service, which keys the grains' state and reminders, so that it outlives a
    /// redeployment under a new <see cref="ClusterId"/>. Default <c>itkwasm-cluster</c>.</summary>
    public string ServiceId { get; set; } = "itkwasm-cluster";

    /// <summary>Gets or sets the path of the cluster certificate (<see cref="ClusterCertificate"/>): a PKCS#12 or PEM
    /// file with the certificate and its private key. When set, every silo-to-silo and client-to-gateway connection is
    /// mutual TLS, and only peers that present the same certificate get in. The silo option
    /// <c>--cluster-certificate</c>, variable <c>ITKWASM_SILO_CLUSTER_CERTIFICATE</c>.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Gets or sets the password of a PKCS#12 <see cref="CertificatePath"/>, if it has one. The variable
    /// <c>ITKWASM_SILO_CLUSTER_CERTIFICATE_PASSWORD</c>.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">The message names the setting to fix.</exception>
    public void Validate()
    {
        var azure = !string.IsNullOrWhiteSpace(AzureStorageConnectionString);
        var redis = !string.IsNullOrWhiteSpace(RedisConfiguration);
        if (azure == redis)
        {
            throw new ArgumentException(azure
                ? "Both a cluster store of Azure Storage (--azure-storage, ITKWASM_SILO_AZURE_STORAGE) and one of Redis (--redis, ITKWASM_SILO_REDIS) are set; set one."
                : "No cluster store is set: give an Azure Storage connection string (--azure-storage, ITKWASM_SILO_AZURE_STORAGE) or a Redis configuration (--redis, ITKWASM_SILO_REDIS).");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(ClusterId, nameof(ClusterId));
        ArgumentException.ThrowIfNullOrWhiteSpace(ServiceId, nameof(ServiceId));
    }
}
