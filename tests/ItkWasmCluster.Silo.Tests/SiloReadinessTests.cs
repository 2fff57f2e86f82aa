using System.Collections.Immutable;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;

namespace ItkWasmCluster.Silo.Tests;

/// <summary>The readiness probe needs no token: it reads the cluster store at most once a second however often it is
/// asked, and answers with a code, never the store's error.</summary>
public sealed class SiloReadinessTests
{
    private static readonly SiloAddress Local = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);

    [Fact]
    public async Task ManyProbes_ReadTheStoreOncePerSecond_AndAFailureSaysOnlyItsCode()
    {
        var table = Fake<IMembershipTable, StoreTable>();
        var time = new ManualTime();
        using var readiness = new SiloReadiness(Membership(SiloStatus.Active), Details(), table, time, NullLogger<SiloReadiness>.Instance);

        var results = new List<HealthCheckResult>();
        for (var i = 0; i < 50; i++)
        {
            results.Add(await readiness.CheckHealthAsync(new HealthCheckContext()));
            time.Advance(TimeSpan.FromMilliseconds(30)); // 50 probes over 1.5 s
        }

        Assert.All(results, r => Assert.Equal(HealthStatus.Unhealthy, r.Status));
        Assert.All(results, r => Assert.Equal(SiloReadiness.StoreUnreachable, r.Description));
        Assert.Equal(2, ((StoreTable)(object)table).Reads);
    }

    [Fact]
    public async Task SiloThatHasNotJoined_IsNotJoined()
    {
        using var readiness = new SiloReadiness(Membership(SiloStatus.Joining), Details(), Fake<IMembershipTable, StoreTable>(), TimeProvider.System, NullLogger<SiloReadiness>.Instance);

        Assert.Equal(SiloReadiness.NotJoined, (await readiness.CheckHealthAsync(new HealthCheckContext())).Description);
    }

    private static IClusterMembershipService Membership(SiloStatus status)
    {
        var service = Fake<IClusterMembershipService, MembershipService>();
        ((MembershipService)(object)service).Snapshot = new ClusterMembershipSnapshot(
            ImmutableDictionary<SiloAddress, ClusterMember>.Empty.Add(Local, new ClusterMember(Local, status, "silo")), new MembershipVersion(1));
        return service;
    }

    private static ILocalSiloDetails Details()
    {
        var details = Fake<ILocalSiloDetails, LocalDetails>();
        return details;
    }

    private static T Fake<T, TProxy>()
        where TProxy : DispatchProxy => DispatchProxy.Create<T, TProxy>();

    // A clock that moves only when told to.
    private sealed class ManualTime : TimeProvider
    {
        private long ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ticks;

        public void Advance(TimeSpan by) => ticks += by.Ticks;
    }

    // A store whose reads fail with an error that must not reach the probe's caller.
    public class StoreTable : DispatchProxy
    {
        public int Reads { get; private set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod?.Name is nameof(IMembershipTable.ReadRow) or "ReadRowAsync")
            {
                Reads++;
                return Task.FromException<MembershipTableData>(new InvalidOperationException("redis password is hunter2"));
            }

            throw new NotSupportedException(targetMethod?.Name);
        }
    }

    public class MembershipService : DispatchProxy
    {
        public ClusterMembershipSnapshot? Snapshot { get; set; }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == "get_CurrentSnapshot" ? Snapshot : throw new NotSupportedException(targetMethod?.Name);
    }

    public class LocalDetails : DispatchProxy
    {
        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == "get_SiloAddress" ? Local : throw new NotSupportedException(targetMethod?.Name);
    }
}
