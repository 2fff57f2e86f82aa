using System.Globalization;
using System.Net;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.Configuration;

namespace ItkWasmCluster.Silo;

/// <summary>
/// Settings of a silo. Each is read from configuration under the key in its documentation, which the environment sets
/// as <c>ITKWASM_SILO_KEY</c> and the <c>silo</c> command's options override (<c>--key</c>, lowercase with dashes).
/// </summary>
public sealed record ItkWasmSiloOptions
{
    /// <summary>Gets the Azure Storage connection string of the cluster store (<c>AZURE_STORAGE</c>); this or
    /// <see cref="Redis"/> is required.</summary>
    public string? AzureStorage { get; init; }

    /// <summary>Gets the Redis configuration of the cluster store (<c>REDIS</c>, such as <c>localhost:6379</c>).</summary>
    public string? Redis { get; init; }

    /// <summary>Gets the cluster's id (<c>CLUSTER_ID</c>): silos with the same store and id form one cluster. Default
    /// <c>itkwasm</c>.</summary>
    public string ClusterId { get; init; } = "itkwasm";

    /// <summary>Gets the URLs the HTTP API listens on (<c>URLS</c>, ';'-separated). Default <c>http://127.0.0.1:5080</c>.</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>Gets the bearer token every <c>/api</c> request must carry (<c>TOKEN</c>). Required; at least 16
    /// characters.</summary>
    public string? Token { get; init; }

    /// <summary>Gets how many items this silo runs at once, its compute slots (<c>CONCURRENCY</c>). Default: the
    /// processor count; 1 to 256.</summary>
    public int Concurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets this silo's capabilities, such as <c>gpu</c> (<c>CAPABILITIES</c>, ','-separated). Default none.</summary>
    public IReadOnlyList<string> Capabilities { get; init; } = [];

    /// <summary>Gets the port silos talk to each other on (<c>SILO_PORT</c>). Default 11111.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Gets the port Orleans clients connect to (<c>GATEWAY_PORT</c>). Default 30000.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>Gets the address other silos and clients reach this one at (<c>ADVERTISED_ADDRESS</c>). Default: the
    /// host's first address, as Orleans picks it.</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>Gets the path of the cluster certificate (<c>CLUSTER_CERTIFICATE</c>): a PKCS#12 or PEM file with the
    /// certificate and its private key, the same on every silo and Orleans client of the cluster (see
    /// <see cref="ItkWasmCluster.Grains.ClusterCertificate"/>). Required unless the silo is advertised on a loopback
    /// address (a cluster on one machine): without it the silo and gateway ports would take any client.</summary>
    public string? ClusterCertificate { get; init; }

    /// <summary>Gets the password of a PKCS#12 <see cref="ClusterCertificate"/> (<c>CLUSTER_CERTIFICATE_PASSWORD</c>).</summary>
    public string? ClusterCertificatePassword { get; init; }

    /// <summary>Gets how long a probe of another silo may take before it counts as missed (<c>PROBE_TIMEOUT</c>, in
    /// seconds). Default 1; with <see cref="MissedProbes"/> it sets how soon a killed silo is declared dead (here
    /// about 1 to 5 s; Orleans' defaults take over 10 s).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets how many missed probes declare a silo dead (<c>MISSED_PROBES</c>). Default 2.</summary>
    public int MissedProbes { get; init; } = 2;

    /// <summary>Gets the folders jobs may read datasets from and write results to (<c>DATA_ROOTS</c>, ';'-separated).
    /// Default none: a silo serves only what it is told to.</summary>
    public IReadOnlyList<string> DataRoots { get; init; } = [];

    /// <summary>Gets the blob containers or prefixes jobs may read and write (<c>BLOB_CONTAINERS</c>, ';'-separated
    /// <c>az://CONTAINER/PREFIX</c> locations or URLs). Default none.</summary>
    public IReadOnlyList<string> BlobContainers { get; init; } = [];

    /// <summary>Gets the folders or blob containers of <c>.wasi.wasm</c> modules jobs may run (<c>MODULE_ROOTS</c>,
    /// ';'-separated). Default none: only the npm pipelines installed with the silo.</summary>
    public IReadOnlyList<string> ModuleRoots { get; init; } = [];

    /// <summary>Gets the connection string of the storage account <c>az://</c> locations are in (<c>BLOB_STORAGE</c>).
    /// Default: the <c>AZURE_STORAGE_CONNECTION_STRING</c> variable.</summary>
    public string? BlobStorage { get; init; }

    /// <summary>Gets how many times a blob request that failed transiently is retried (<c>BLOB_RETRIES</c>). Default 5.</summary>
    public int BlobRetries { get; init; } = 5;

    /// <summary>Gets how long one blob request may take before it is retried (<c>BLOB_TIMEOUT</c>, in seconds). Default 100.</summary>
    public TimeSpan BlobTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Gets whether the silo serves Orleans' dashboard at <c>/dashboard</c> (<c>ORLEANS_DASHBOARD</c>,
    /// <c>true</c> or <c>false</c>). Default true. The dashboard times every grain call on the silo for its statistics;
    /// BENCHMARKS.md measures what that costs.</summary>
    public bool OrleansDashboard { get; init; } = true;

    /// <summary>Gets whether the silo runs in a Kubernetes pod (<c>KUBERNETES</c>, <c>true</c> or <c>false</c>; default
    /// false): Orleans' Kubernetes hosting then names the silo after the pod, advertises the pod's IP (<c>POD_IP</c>),
    /// labels the pod with the service and cluster ids, and watches the cluster's pods through the Kubernetes API
    /// (k8s/base grants what it needs), which it finds as kubectl does: <c>$KUBECONFIG</c>, <c>~/.kube/config</c>,
    /// else the pod's service account.</summary>
    public bool Kubernetes { get; init; }

    /// <summary>Gets the largest request body accepted, in bytes; larger requests get 413. Default 1 MiB.</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary>Gets the cluster store these settings name.</summary>
    public ClusterStoreOptions ClusterStore => new()
    {
        AzureStorageConnectionString = AzureStorage,
        RedisConfiguration = Redis,
        ClusterId = ClusterId,
        CertificatePath = ClusterCertificate,
        CertificatePassword = ClusterCertificatePassword,
    };

    /// <summary>Gets the blob storage these settings describe: the account of <c>az://</c> locations, retries, and the
    /// confinement to <see cref="DataRoots"/>, <see cref="BlobContainers"/> and <see cref="ModuleRoots"/>.</summary>
    public BlobStorageOptions Storage => new()
    {
        ConnectionString = BlobStorage ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_CONNECTION_STRING"),
        MaxRetries = BlobRetries,
        NetworkTimeout = BlobTimeout,
        Confinement = new StorageConfinement { DataRoots = DataRoots, BlobContainers = BlobContainers, ModuleRoots = ModuleRoots },
    };

    /// <summary>Reads the settings from <paramref name="configuration"/> (keys as documented on each property).</summary>
    /// <exception cref="ArgumentException">A value does not parse; the message names the setting.</exception>
    public static ItkWasmSiloOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var defaults = new ItkWasmSiloOptions();
        string? Text(string key) => configuration[key] is { Length: > 0 } value ? value : null;
        int Int(string key, int fallback) => Text(key) is { } value
            ? int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : throw Bad(key, value, "a whole number")
            : fallback;
        bool Bool(string key, bool fallback) => Text(key) is { } value
            ? bool.TryParse(value, out var b) ? b : throw Bad(key, value, "true or false")
            : fallback;
        string[] List(string key) => Text(key)?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return new ItkWasmSiloOptions
        {
            AzureStorage = Text("AZURE_STORAGE"),
            Redis = Text("REDIS"),
            ClusterId = Text("CLUSTER_ID") ?? defaults.ClusterId,
            Urls = Text("URLS") ?? defaults.Urls,
            Token = Text("TOKEN"),
            Concurrency = Int("CONCURRENCY", defaults.Concurrency),
            Capabilities = Text("CAPABILITIES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            SiloPort = Int("SILO_PORT", defaults.SiloPort),
            GatewayPort = Int("GATEWAY_PORT", defaults.GatewayPort),
            AdvertisedAddress = Text("ADVERTISED_ADDRESS") is { } address
                ? IPAddress.TryParse(address, out var ip) ? ip : throw Bad("ADVERTISED_ADDRESS", address, "an IP address")
                : null,
            ClusterCertificate = Text("CLUSTER_CERTIFICATE"),
            ClusterCertificatePassword = Text("CLUSTER_CERTIFICATE_PASSWORD"),
            ProbeTimeout = TimeSpan.FromSeconds(Int("PROBE_TIMEOUT", (int)defaults.ProbeTimeout.TotalSeconds)),
            MissedProbes = Int("MISSED_PROBES", defaults.MissedProbes),
            DataRoots = List("DATA_ROOTS"),
            BlobContainers = List("BLOB_CONTAINERS"),
            ModuleRoots = List("MODULE_ROOTS"),
            BlobStorage = Text("BLOB_STORAGE"),
            BlobRetries = Int("BLOB_RETRIES", defaults.BlobRetries),
            BlobTimeout = TimeSpan.FromSeconds(Int("BLOB_TIMEOUT", (int)defaults.BlobTimeout.TotalSeconds)),
            OrleansDashboard = Bool("ORLEANS_DASHBOARD", defaults.OrleansDashboard),
            Kubernetes = Bool("KUBERNETES", defaults.Kubernetes),
        };
    }

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentException">Names the setting to fix.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(AzureStorage) == string.IsNullOrWhiteSpace(Redis))
        {
            throw new ArgumentException("name the cluster store: --azure-storage CONNSTR or --redis CONFIG (ITKWASM_SILO_AZURE_STORAGE or ITKWASM_SILO_REDIS), exactly one");
        }

        if (string.IsNullOrEmpty(Token) || Token.Length < 16)
        {
            throw new ArgumentException("a bearer token of at least 16 characters is required: --token or ITKWASM_SILO_TOKEN");
        }

        if (Concurrency is < 1 or > 256)
        {
            throw new ArgumentException($"--concurrency (ITKWASM_SILO_CONCURRENCY) must be 1 to 256, not {Concurrency}");
        }

        foreach (var (name, port) in new[] { ("--silo-port (ITKWASM_SILO_SILO_PORT)", SiloPort), ("--gateway-port (ITKWASM_SILO_GATEWAY_PORT)", GatewayPort) })
        {
            if (port is < 1 or > 65535)
            {
                throw new ArgumentException($"{name} must be 1 to 65535, not {port}");
            }
        }

        if (ProbeTimeout < TimeSpan.FromSeconds(1) || MissedProbes < 1)
        {
            throw new ArgumentException("--probe-timeout must be at least 1 second and --missed-probes at least 1");
        }

        if (!Urls.Split(';').All(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            throw new ArgumentException($"--urls (ITKWASM_SILO_URLS) must be http(s) URLs separated by ';', not '{Urls}'");
        }

        if (BlobRetries is < 0 or > 20 || BlobTimeout < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("--blob-retries (ITKWASM_SILO_BLOB_RETRIES) must be 0 to 20 and --blob-timeout (ITKWASM_SILO_BLOB_TIMEOUT) at least 1 second");
        }

        foreach (var (setting, entries) in new[] { (StorageConfinement.DataRootsSetting, DataRoots), (StorageConfinement.ModuleRootsSetting, ModuleRoots) })
        {
            if (entries.FirstOrDefault(e => !BlobLocation.IsBlobText(e) && !Path.IsPathRooted(e)) is { } relative)
            {
                throw new ArgumentException($"{setting} takes absolute paths, not '{relative}'");
            }
        }

        if (Kubernetes)
        {
            ValidateKubernetes();
        }

        if (ClusterCertificate is null && (Kubernetes || AdvertisedAddress is null || !IPAddress.IsLoopback(AdvertisedAddress)))
        {
            throw new ArgumentException(
                $"the silo and gateway ports would take any client on this network: give the cluster's certificate with {Grains.ClusterCertificate.Setting}, the same on every silo (README, Security model), or keep a one-machine cluster on --advertised-address 127.0.0.1");
        }

        if (ClusterCertificate is not null)
        {
            Grains.ClusterCertificate.Load(ClusterCertificate, ClusterCertificatePassword).Dispose();
        }

        if (string.IsNullOrWhiteSpace(ClusterId))
        {
            throw new ArgumentException("--cluster-id (ITKWASM_SILO_CLUSTER_ID) must not be empty");
        }
    }

    // What Orleans' Kubernetes hosting needs before it starts: the pod's namespace, and a way to the API.
    private static void ValidateKubernetes()
    {
        const string ServiceAccount = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("POD_NAMESPACE")) && !File.Exists(ServiceAccount))
        {
            throw new ArgumentException("--kubernetes (ITKWASM_SILO_KUBERNETES) needs the pod's namespace: set POD_NAMESPACE (k8s/base sets it from the pod's metadata)");
        }

        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG") is { Length: > 0 } paths ? paths.Split(Path.PathSeparator)[0] : k8s.KubernetesClientConfiguration.KubeConfigDefaultLocation;
        if (!k8s.KubernetesClientConfiguration.IsInCluster() && !File.Exists(kubeconfig))
        {
            throw new ArgumentException($"--kubernetes (ITKWASM_SILO_KUBERNETES) needs the Kubernetes API: run in a pod with a service account, or set KUBECONFIG (there is no {kubeconfig})");
        }
    }

    private static ArgumentException Bad(string key, string value, string what) =>
        new($"--{key.ToLowerInvariant().Replace('_', '-')} (ITKWASM_SILO_{key}) must be {what}, not '{value}'");
}
