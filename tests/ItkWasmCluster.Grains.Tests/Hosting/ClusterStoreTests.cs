using System.Net;
using ItkWasmCluster.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Grains.Tests.Hosting;

/// <summary>
/// Silos on each cluster store (a real Redis and a real Azurite, started by the tests): they form one cluster, grain
/// state outlives every silo, and a reminder registered before all silos stopped fires after a new one starts.
/// </summary>
[Trait("Category", "ClusterStore")]
public sealed class ClusterStoreTests
{
    [Theory]
    [InlineData("redis")]
    [InlineData("azure")]
    public async Task Silos_FormOneCluster_AndStateAndRemindersOutliveAFullRestart(string kind)
    {
        using var server = kind == "redis" ? StoreServer.Redis() : StoreServer.Azurite();
        var store = new ClusterStoreOptions
        {
            RedisConfiguration = kind == "redis" ? server.Connection : null,
            AzureStorageConnectionString = kind == "azure" ? server.Connection : null,
            ClusterId = "test-" + Guid.NewGuid().ToString("N")[..8],
        };

        using (var a = await StartSiloAsync(store))
        using (var b = await StartSiloAsync(store))
        {
            var grains = a.Services.GetRequiredService<IGrainFactory>();
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
            var counter = grains.GetGrain<IStoredCounterGrain>("scans");
            for (var i = 0; i < 3; i++)
            {
                await counter.IncrementAsync();
            }

            await grains.GetGrain<IReminderProbeGrain>("probe").ArmAsync(TimeSpan.FromSeconds(4));
            await Task.WhenAll(a.StopAsync(), b.StopAsync());
        }

        using var c = await StartSiloAsync(store);
        var after = c.Services.GetRequiredService<IGrainFactory>();
        Assert.Equal(3, await after.GetGrain<IStoredCounterGrain>("scans").GetAsync());
        var probe = after.GetGrain<IReminderProbeGrain>("probe");
        var fired = 0;
        for (var i = 0; i < 300 && fired == 0; i++)
        {
            await Task.Delay(100);
            fired = await probe.FiredAsync();
        }

        Assert.True(fired > 0, "the reminder did not fire after the restart");
        await c.StopAsync();
    }

    [Fact]
    public void Options_WithNoStoreOrTwo_NameTheSettings()
    {
        var none = Assert.Throws<ArgumentException>(() => new ClusterStoreOptions().Validate());
        var both = Assert.Throws<ArgumentException>(() => new ClusterStoreOptions { RedisConfiguration = "r", AzureStorageConnectionString = "a" }.Validate());

        Assert.Contains("--azure-storage, ITKWASM_SILO_AZURE_STORAGE", none.Message, StringComparison.Ordinal);
        Assert.Contains("--redis, ITKWASM_SILO_REDIS", none.Message, StringComparison.Ordinal);
        Assert.StartsWith("Both", both.Message, StringComparison.Ordinal);
    }

    private static async Task<IHost> StartSiloAsync(ClusterStoreOptions store)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.SetMinimumLevel(LogLevel.Warning))
            .UseOrleans(silo => silo
                .UseItkWasmClusterStore(store)
                .ConfigureEndpoints(IPAddress.Loopback, Ports.Free(), Ports.Free())
                .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1)))
            .Build();
        await host.StartAsync();
        return host;
    }
}

public interface IStoredCounterGrain : IGrainWithStringKey
{
    Task IncrementAsync();

    Task<int> GetAsync();
}

public sealed class StoredCounterGrain([PersistentState("counter", ClusterStoreOptions.GrainStorageName)] IPersistentState<CounterState> state)
    : Grain, IStoredCounterGrain
{
    public Task IncrementAsync()
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        return state.WriteStateAsync();
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Value);
}

public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task ArmAsync(TimeSpan due);

    Task<int> FiredAsync();
}

public sealed class ReminderProbeGrain([PersistentState("probe", ClusterStoreOptions.GrainStorageName)] IPersistentState<CounterState> state)
    : Grain, IReminderProbeGrain, IRemindable
{
    public Task ArmAsync(TimeSpan due) => this.RegisterOrUpdateReminder("tick", due, TimeSpan.FromSeconds(2));

    public Task<int> FiredAsync() => Task.FromResult(state.State.Value);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        state.State = state.State with { Value = state.State.Value + 1 };
        await state.WriteStateAsync();
        await this.UnregisterReminder(await this.GetReminder(reminderName) ?? throw new InvalidOperationException("no reminder"));
    }
}
