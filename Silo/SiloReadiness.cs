using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Silo;

/// <summary>
/// Whether the silo can take work, for Kubernetes' readiness probe (<c>/healthz/ready</c>): it has joined the cluster
/// (Orleans' membership lists it as active) and the cluster store answers (this silo's membership row is read within
/// <see cref="StoreTimeout"/>). Liveness (<c>/healthz</c>, <c>/healthz/live</c>) asks neither: a store outage makes
/// silos unready, never restarts them. The probe needs no token, so it costs the store at most one read a second per
/// silo however often it is asked, and it answers with a code (<see cref="NotJoined"/>, <see cref="StoreUnreachable"/>),
/// never the store's own error, which goes to the log. A singleton.
/// </summary>
internal sealed partial class SiloReadiness(IClusterMembershipService membership, ILocalSiloDetails local, IMembershipTable table, TimeProvider time, ILogger<SiloReadiness> logger) : IHealthCheck, IDisposable
{
    /// <summary>How long the cluster store may take to answer.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The code of a silo that has not joined the cluster (yet, or any more).</summary>
    public const string NotJoined = "not-joined";

    /// <summary>The code of a silo whose cluster store does not answer.</summary>
    public const string StoreUnreachable = "store-unreachable";

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim checking = new(1, 1);
    private (HealthCheckResult Result, long At)? last;

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (last is { } cached && time.GetElapsedTime(cached.At) < CacheFor)
            {
                return cached.Result;
            }

            var result = await CheckAsync(cancellationToken).ConfigureAwait(false);
            last = (result, time.GetTimestamp());
            return result;
        }
        finally
        {
            checking.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => checking.Dispose();

    private async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy(NotJoined);
        }

        try
        {
            await table.ReadRowAsync(local.SiloAddress, cancellationToken).WaitAsync(StoreTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStoreUnreachable(logger, e.Message);
            return HealthCheckResult.Unhealthy(StoreUnreachable);
        }

        return HealthCheckResult.Healthy("ready");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not ready: the cluster store does not answer ({Reason})")]
    private static partial void LogStoreUnreachable(ILogger logger, string reason);
}
