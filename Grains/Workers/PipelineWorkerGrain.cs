using ItkWasm.Runtime;
using ItkWasmCluster.Grains.Hosting;
using Microsoft.Extensions.Hosting;
using Orleans.Concurrency;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// The <see cref="IPipelineWorkerGrain"/> of one silo (keyed by the silo's address and placed there by the callers'
/// placement hint), over that silo's one runtime: Wasmtime's run threads and the Node executors are its compute slots,
/// and calls beyond them wait for a slot. Reentrant, so it takes every call at once; each attempt runs off the grain's
/// scheduler, on the thread pool (reading and writing files blocks), and its stages on the runtime's own threads and
/// processes. When the silo's host begins to stop, the attempts still running are cancelled: their partitions put the
/// items back to run elsewhere (a cancelled attempt does not count), and the silo stops without waiting for them.
/// </summary>
[Reentrant]
internal sealed class PipelineWorkerGrain(ItemRunners runners, ILocalSiloDetails silo, IWasmRuntime runtime, ClusterSlots cluster, IGrainFactory grains, IHostApplicationLifetime host, TimeProvider time) : Grain, IPipelineWorkerGrain
{
    private int running;

    /// <inheritdoc/>
    public async Task<ItemResult> RunAsync(ItemRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        running++;
        try
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.ApplicationStopping);
            return await Task.Run(() => ItemAttempt.RunAsync(runners, grains, time, silo.SiloAddress.ToString(), request, stop.Token), CancellationToken.None);
        }
        finally
        {
            running--;
        }
    }

    /// <inheritdoc/>
    public Task<SiloLoad> GetLoadAsync()
    {
        var wasm = runtime as WasmRuntime;
        var modules = wasm?.WasmtimeCacheStatistics;
        var cache = modules is null ? null : wasm!.Wasmtime.CacheDirectory; // only once Wasmtime has started
        return Task.FromResult(new SiloLoad(silo.SiloAddress.ToString(), cluster.Active().FirstOrDefault(s => s.Silo.Equals(silo.SiloAddress))?.Slots ?? 0, running, modules?.Compiled ?? 0, modules?.LoadedFromDisk ?? 0, cache));
    }
}
