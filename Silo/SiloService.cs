using ItkWasm.Runtime;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Storage.JobStores;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Silo;

/// <summary>The silo's background work: heartbeats every third of a lease, and the work loop over every running job.</summary>
internal sealed partial class SiloService(PostgresJobStore store, IWasmRuntime runtime, SiloOptions options, ILogger<SiloService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var heartbeats = HeartbeatAsync(stoppingToken);
        try
        {
            await new SiloWorker(store, runtime, options.NodeId, options.Concurrency, options.LeaseDuration)
            {
                LeaseLost = lease => LogLeaseLost(lease.JobId, lease.Input, lease.Attempt),
            }.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: running tasks were given back.
        }

        await heartbeats.ConfigureAwait(false);
    }

    private async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LeaseDuration / 3);
        try
        {
            do
            {
                try
                {
                    await store.HeartbeatAsync(options.NodeId, options.Capabilities, options.Concurrency, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (StoreErrors.IsTransient(e))
                {
                    LogHeartbeatFailed(e.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "lease lost on job {JobId} item {Input} attempt {Attempt}: the attempt was abandoned")]
    private partial void LogLeaseLost(string jobId, string input, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "heartbeat failed: {Reason}")]
    private partial void LogHeartbeatFailed(string reason);
}
