using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ItkWasmCluster.Silo;

/// <summary>
/// Whether the silo can take work, for Kubernetes' readiness probe (<c>/healthz/ready</c>): it has joined the cluster
/// (Orleans' membership lists it as active) and the cluster store answers (this silo's membership row is read within
/// <see cref="StoreTimeout"/>). Liveness (<c>/healthz</c>, <c>/healthz/live</c>) asks neither: a store outage makes
/// silos unready, never restarts them.
/// </summary>
internal sealed class SiloReadiness(IClusterMembershipService membership, ILocalSiloDetails local, IMembershipTable table) : IHealthCheck
{
    /// <summary>How long the cluster store may take to answer.</summary>
    public static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(3);

    /// <inheritdoc/>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"the silo has not joined the cluster (its membership status is {status})");
        }

        try
        {
            await table.ReadRowAsync(local.SiloAddress, cancellationToken).WaitAsync(StoreTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"the cluster store does not answer: {e.Message}");
        }

        return HealthCheckResult.Healthy("joined the cluster; the cluster store answers");
    }
}
