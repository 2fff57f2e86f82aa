using ItkWasm.Downsample.Accelerated;
using ItkWasm.Pipelines.Dispatch;
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
/// (<c>.itkwasm-cluster/</c>; for results in blob storage, in the user's local application data), with datasets and
/// results in folders or blob storage (<see cref="EmbeddedClusterOptions.Storage"/>), any the user names. The jobs share one pipeline runtime
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
    private readonly ItemRunners runners;
    private readonly BlobStores stores;

    /// <summary>Creates the cluster; the pipeline runtimes start with the first job that needs them.</summary>
    public EmbeddedCluster(EmbeddedClusterOptions? options = null)
    {
        this.options = options ?? new EmbeddedClusterOptions();
        this.options.Validate();
        runtime = new WasmRuntime(this.options.Runtime with { ComputeSlots = this.options.Concurrency });
        stores = new BlobStores(this.options.Storage);
        IPipelineOverridePackage[] packages = [new DownsampleOverridePackage()];
        runners = new ItemRunners(runtime, stores, StageImplementations.For(StageImplementations.Detect(null, packages), packages), TimeProvider.System);
    }

    /// <summary>Starts (or resumes) <paramref name="spec"/> on a silo of its own.</summary>
    /// <exception cref="JobSpecException">The dataset or output location is unusable, or two items collide.</exception>
    /// <exception cref="InvalidOperationException">Another run holds the output location.</exception>
    public async Task<EmbeddedJob> StartJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (_, output) = await DatasetExpander.CheckLocationsAsync(spec, stores, runtime, cancellationToken).ConfigureAwait(false);
        var stateFolder = StateFolderOf(output);
        var stateLock = StateLock.Acquire(stateFolder);
        EmbeddedSilo? silo = null;
        try
        {
            silo = await EmbeddedSilo.StartAsync(stateFolder, runtime, runners, stores, options.Concurrency, cancellationToken).ConfigureAwait(false);
            return await EmbeddedJob.StartAsync(silo, spec, output.Child(JobReport.Name).Display, stateLock, TimeProvider.System, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Returns where the embedded cluster keeps the grain state of a job writing to <paramref name="output"/>:
    /// inside a local output folder, so that it moves with the results; for a blob output, in this user's local
    /// application data, under a hash of the output location.</summary>
    public static string StateFolderOf(BlobLocation output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return output.LocalPath is { } path
            ? Path.Combine(path, StateFolder)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
                "itkwasm-cluster", "embedded", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(output.Display)))[..32]);
    }

    /// <summary>Stops the pipeline runners.</summary>
    public void Dispose() => runtime.Dispose();

    private static NotSupportedException EmbeddedOnly() =>
        new("an embedded cluster's jobs are reached through the operation SubmitJobAsync returned");
}
