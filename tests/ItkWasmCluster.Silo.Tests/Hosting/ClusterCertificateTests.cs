using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ItkWasmCluster.Client;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Silo.Tests.Hosting;

/// <summary>The Orleans ports behind the cluster certificate: silos that share it form a cluster and let in a client
/// that has it; a client or silo without it, or with another certificate, is refused; and a silo reachable from the
/// network does not start without one.</summary>
[Trait("Category", "ClusterStore")]
[Trait("Category", "Processes")]
public sealed class ClusterCertificateTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Gateway_LetsInOnlyClientsWithTheClusterCertificate()
    {
        using var redis = StoreServer.Redis();
        var cluster = NewCertificate("cluster.pfx");
        var other = NewCertificate("other.pfx");
        var store = new ClusterStoreOptions { RedisConfiguration = redis.Connection, ClusterId = "tls-" + Guid.NewGuid().ToString("N")[..8], CertificatePath = cluster };

        using var silo = await StartSiloAsync(store);
        using var member = await StartSiloAsync(store);
        var hosts = await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);

        using (var client = await StartClientAsync(Copy(store, cluster)))
        {
            Assert.Equal(2, (await client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count);
        }

        // Without a certificate, or with another: no answer in 10 s (both tried at once), where the client with it
        // had one at once.
        await Task.WhenAll(new[] { null, other }.Select(certificate => Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            using var refused = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var client = await StartClientAsync(Copy(store, certificate), refused.Token);
            await client.Services.GetRequiredService<IClusterClient>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(refused.Token);
        })));

        // A silo process with another certificate does not join: it is never let in, and exits without serving.
        using var stranger = SiloProcess.Launch(redis, store.ClusterId, null, 1, "--cluster-certificate", other);
        var served = await Task.WhenAny(stranger.Serving, Task.Delay(TimeSpan.FromSeconds(90)));
        Assert.True(served != stranger.Serving || stranger.Serving.IsFaulted, "a silo with another certificate joined the cluster");
        hosts = await silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("10.1.2.3")]
    public void Silo_ReachableFromTheNetwork_WithoutACertificate_DoesNotStart(string? advertised)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["REDIS"] = "127.0.0.1:1",
            ["TOKEN"] = "0123456789abcdef0123",
            ["ADVERTISED_ADDRESS"] = advertised,
        }).Build();

        var error = Assert.Throws<ArgumentException>(() => ItkWasmSiloOptions.FromConfiguration(configuration).Validate());

        Assert.Contains(ClusterCertificate.Setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_WithoutItsKey_IsRefusedNamingTheSetting()
    {
        using var key = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = temp.Combine("public.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());

        var error = Assert.Throws<ArgumentException>(() => ClusterCertificate.Load(path));

        Assert.Contains("no private key", error.Message, StringComparison.Ordinal);
        Assert.Contains(ClusterCertificate.Setting, Assert.Throws<ArgumentException>(() => ClusterCertificate.Load(temp.Combine("missing.pfx"))).Message, StringComparison.Ordinal);
    }

    private static ClusterStoreOptions Copy(ClusterStoreOptions store, string? certificate) =>
        new() { RedisConfiguration = store.RedisConfiguration, ClusterId = store.ClusterId, CertificatePath = certificate };

    private string NewCertificate(string name) => TestCertificates.Create(temp.Combine(name));

    private static Task<IHost> StartClientAsync(ClusterStoreOptions store, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client.UseItkWasmClusterStore(store));
        return StartAsync(builder.Build(), cancellationToken);
    }

    private static Task<IHost> StartSiloAsync(ClusterStoreOptions store, CancellationToken cancellationToken = default) =>
        StartAsync(Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Critical))
            .UseOrleans(silo => silo
                .UseItkWasmClusterStore(store)
                .ConfigureEndpoints(IPAddress.Loopback, Ports.Free(), Ports.Free()))
            .Build(), cancellationToken);

    private static async Task<IHost> StartAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
