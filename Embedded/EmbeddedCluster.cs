using ItkWasm.Runtime;
using ItkWasmCluster.Client;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Embedded;

/// <summary>
/// The whole cluster in one process: each job runs on an in-process Orleans silo (the same job, partition and worker
/// grains as a distributed cluster) whose grain state is kept in files under the output location
/// (<c>.itkwasm-cluster/</c>), with datasets and results on the local file system. The jobs share one pipeline runtime
/// (and so its compiled modules). A killed process leaves a job that the next run of the same spec resumes; a
/// finished job run again does no work. One run at a time per output location (a lock file enforces it).
/// Give it to an <see cref="ItkWasmClusterClient"/> to use it through the SDK like a remote cluster.
/// </summary>
public sealed class EmbeddedCluster : IClusterConnection
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

    /// <summary>Starts (or resumes) <paramref name="spec"/>; see <see cref="StartJobAsync"/>.</summary>
    public async Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken) =>
        new EmbeddedJobOperation(await StartJobAsync(spec, cancellationToken).ConfigureAwait(false));

    /// <summary>Not supported: an embedded job is reached through the operation <see cref="SubmitJobAsync"/> returned.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Task<JobOperation> GetJobAsync(string id, CancellationToken cancellationToken) => throw EmbeddedOnly();

    /// <summary>Not supported: the embedded cluster keeps no job list (each job's silo lives only while it runs).</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken) => throw EmbeddedOnly();

    /// <summary>Not supported: an embedded job is reached through the operation <see cref="SubmitJobAsync"/> returned.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken) => throw EmbeddedOnly();

    /// <summary>Stops the pipeline executors.</summary>
    public void Dispose() => runtime.Dispose();

    private static NotSupportedException EmbeddedOnly() =>
        new("an embedded cluster's jobs are reached through the operation SubmitJobAsync returned");
}
