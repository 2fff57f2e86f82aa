using ItkWasm.Runtime;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains;

/// <summary>
/// The whole cluster in one process: each job runs on an in-process Orleans silo (the same job, partition and worker
/// grains as a distributed cluster) whose grain state is kept in files under the output location
/// (<c>.itkwasm-cluster/</c>), with datasets and results on the local file system. The jobs share one pipeline runtime
/// (and so its compiled modules). A killed process leaves a job that the next run of the same spec resumes; a
/// finished job run again does no work. One run at a time per output location (a lock file enforces it).
/// </summary>
public sealed class EmbeddedCluster : IDisposable
{
    /// <summary>The folder, inside the output location, that holds the cluster's state.</summary>
    public const string StateFolder = ".itkwasm-cluster";

    private readonly EmbeddedClusterOptions options;
    private readonly WasmRuntime runtime;
    private readonly ItemExecutors executors;

    /// <summary>Creates the cluster; the pipeline runtimes start with the first job that needs them.</summary>
    public EmbeddedCluster(EmbeddedClusterOptions? options = null)
    {
        this.options = options ?? new EmbeddedClusterOptions();
        this.options.Validate();
        runtime = new WasmRuntime(this.options.Runtime with { ComputeSlots = this.options.Concurrency });
        executors = new ItemExecutors(runtime);
    }

    /// <summary>Starts (or resumes) <paramref name="spec"/> on a silo of its own.</summary>
    /// <exception cref="JobSpecException">The dataset or output location is unusable, or two items collide.</exception>
    /// <exception cref="InvalidOperationException">Another run holds the output location.</exception>
    public async Task<EmbeddedJob> StartJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DatasetExpander.CheckLocations(spec);
        var output = new FileSystemBlobStore(spec.Output.Location);
        var stateFolder = Path.Combine(output.Root, StateFolder);
        var stateLock = StateLock.Acquire(stateFolder);
        EmbeddedSilo? silo = null;
        try
        {
            output.DeleteAbandonedTemporaries();
            silo = await EmbeddedSilo.StartAsync(stateFolder, runtime, executors, options.Concurrency, cancellationToken).ConfigureAwait(false);
            return await EmbeddedJob.StartAsync(silo, spec, stateLock, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (silo is not null)
            {
                await silo.DisposeAsync().ConfigureAwait(false);
            }

            stateLock.Dispose();
            throw;
        }
    }

    /// <summary>Stops the pipeline executors.</summary>
    public void Dispose() => runtime.Dispose();
}
