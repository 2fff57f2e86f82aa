using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>
/// The whole cluster in one process: datasets and results on the local file system, the job's durable state in SQLite
/// under the output location (<c>.itkwasm-cluster/state.db</c>), and a pool of workers sharing one pipeline runtime
/// (and so its compiled modules). A killed process leaves a job that the next run of the same spec resumes; a finished
/// job run again does no work. One run at a time per output location (a lock file enforces it).
/// </summary>
public sealed class EmbeddedCluster : IDisposable
{
    /// <summary>The folder, inside the output location, that holds the cluster's state.</summary>
    public const string StateFolder = ".itkwasm-cluster";

    private readonly EmbeddedClusterOptions options;
    private readonly WasmRuntime runtime;

    /// <summary>Creates the cluster; the pipeline runtimes start with the first job that needs them.</summary>
    public EmbeddedCluster(EmbeddedClusterOptions? options = null)
    {
        this.options = options ?? new EmbeddedClusterOptions();
        this.options.Validate();
        runtime = new WasmRuntime(this.options.Runtime with { ComputeSlots = this.options.Concurrency });
    }

    /// <summary>Starts (or resumes) <paramref name="spec"/>.</summary>
    /// <exception cref="JobSpecException">The dataset or output location is unusable, or two items collide.</exception>
    /// <exception cref="InvalidOperationException">Another run holds the output location.</exception>
    /// <exception cref="ItkWasm.Pipelines.PipelineRunException">A stage's pipeline cannot be found.</exception>
    public async Task<EmbeddedJob> StartJobAsync(JobSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Directory.Exists(spec.Input.Location))
        {
            throw new JobSpecException("input.location", $"no such directory: {spec.Input.Location}");
        }

        if (ItkWasm.IO.ItkWasmPath.TryParse("x" + spec.Output.Format) is { Form: ItkWasm.IO.ItkWasmFileForm.Directory })
        {
            throw new JobSpecException("output.format", $"{spec.Output.Format} is a directory form; use {spec.Output.Format}.cbor or .cbor.zst");
        }

        var input = new FileSystemBlobStore(spec.Input.Location);
        var output = new FileSystemBlobStore(spec.Output.Location);
        var stateLock = StateLock.Acquire(Path.Combine(output.Root, StateFolder));
        try
        {
            output.DeleteAbandonedTemporaries();
            var store = new SqliteJobStore(Path.Combine(output.Root, StateFolder, "state.db"), options.TimeProvider);
            await store.InitializeAsync(cancellationToken).ConfigureAwait(false);
            var id = JobIds.For(spec);
            var job = await store.CreateOrGetJobAsync(id, spec, cancellationToken).ConfigureAwait(false);
            var items = await DatasetExpander.ExpandAsync(spec, input, output, cancellationToken).ConfigureAwait(false);
            await store.SyncTasksAsync(id, items, cancellationToken).ConfigureAwait(false);
            await store.ReleaseRunningAsync(id, cancellationToken).ConfigureAwait(false);
            await store.SetJobStateAsync(id, JobState.Running, cancellationToken).ConfigureAwait(false);
            var hashes = await InputHasher.HashAsync(items, input, store, cancellationToken).ConfigureAwait(false);
            var executor = await TaskExecutor.CreateAsync(spec, input, output, store.FindResultsAsync, runtime, hashes, cancellationToken).ConfigureAwait(false);
            var owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
            var counts = await store.GetCountsAsync(id, cancellationToken).ConfigureAwait(false);
            return new EmbeddedJob(job, counts, store, output, (report, ct) =>
                new WorkLoop(
                    store,
                    options.Concurrency,
                    options.LeaseDuration,
                    c => store.ClaimAsync(id, owner, options.LeaseDuration, c),
                    (_, _) => Task.FromResult(executor),
                    async c => (await store.GetCountsAsync(id, c).ConfigureAwait(false)).IsFinished,
                    report,
                    options.TimeProvider)
                {
                    FirstBackoff = options.FirstRetryDelay,
                }.RunAsync(ct), stateLock);
        }
        catch
        {
            stateLock.Dispose();
            throw;
        }
    }

    /// <summary>Stops the pipeline executors.</summary>
    public void Dispose() => runtime.Dispose();
}
