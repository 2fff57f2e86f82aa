using System.Collections.Concurrent;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// A silo's item runners (<see cref="ItemRunner"/>), one per job it runs items of (keyed by the job's id, a hash of its
/// spec), so that a job's stages are bound to their pipelines once per silo rather than once per item; and the pipelines themselves, one per reference, so that a pipeline's
/// interface description is read once for every job that runs it. The compiled modules live in the runtime's module
/// cache. Keeps the most recently used <see cref="Capacity"/> jobs. The embedded cluster shares one among its jobs'
/// silos. Locations are opened through the silo's <see cref="BlobStores"/>, so a silo's confinement holds here too.
/// </summary>
/// <param name="runtime">Runs the WebAssembly modules.</param>
/// <param name="stores">Opens the jobs' locations.</param>
/// <param name="implementations">What stages can run on besides their modules.</param>
/// <param name="time">Times the items and their stages and keeps their deadlines.</param>
public sealed class ItemRunners(IWasmRuntime runtime, BlobStores stores, StageImplementations implementations, TimeProvider time)
{
    /// <summary>How many jobs' runners are kept.</summary>
    public const int Capacity = 32;

    private readonly ConcurrentDictionary<string, (ItemRunner Runner, long Used)> runners = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pipeline> pipelines = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> moduleVersions = new(StringComparer.Ordinal);
    private long clock;

    /// <summary>Gets the folder blob modules are copied to. Default: <c>itkwasm-cluster-modules</c> under the system's
    /// temporary folder.</summary>
    public string ModuleFolder { get; init; } = Path.Combine(Path.GetTempPath(), "itkwasm-cluster-modules");

    /// <summary>Reads the middle slice of one item's input (in any form the job reads) or its result, as the job's
    /// stages see them, for a preview: by ranges, at most <paramref name="maxRows"/> rows of it, when the file's form
    /// allows (<see cref="ItemRunner.ReadPreviewAsync"/>), else the whole image. The bytes read are not counted as the
    /// job's; the caller disposes the image.</summary>
    /// <param name="jobId">The job's id.</param>
    /// <param name="spec">The job's spec.</param>
    /// <param name="name">The input's name, or the result's when <paramref name="result"/>.</param>
    /// <param name="result">Whether <paramref name="name"/> is a result.</param>
    /// <param name="maxRows">The most rows of the slice to read.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="BlobLocationException">The location is not served, or cannot be read.</exception>
    /// <exception cref="Exception">The blob is missing or not an image.</exception>
    public async Task<ItkWasm.Image> ReadPreviewAsync(string jobId, JobSpec spec, string name, bool result, int maxRows, CancellationToken cancellationToken)
    {
        var runner = await ForAsync(jobId, () => Task.FromResult(spec), cancellationToken).ConfigureAwait(false);
        return await runner.ReadPreviewAsync(name, result, maxRows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the runner of the job <paramref name="jobId"/>, asking <paramref name="specOf"/> for its spec
    /// the first time (a job's id is a hash of its spec, so an id always names the same spec). Stages whose module is a
    /// blob (<c>az://</c> or a URL) run a local copy, downloaded once per silo into the module cache folder.</summary>
    /// <exception cref="BlobLocationException">A location or module is not served, or cannot be read.</exception>
    internal async Task<ItemRunner> ForAsync(string jobId, Func<Task<JobSpec>> specOf, CancellationToken cancellationToken)
    {
        var now = Interlocked.Increment(ref clock);
        if (runners.TryGetValue(jobId, out var known))
        {
            runners[jobId] = (known.Runner, now);
            return known.Runner;
        }

        var spec = await specOf().ConfigureAwait(false);
        var stages = new List<StageSpec>();
        foreach (var stage in spec.Stages)
        {
            // Checked again here, not only when the job was submitted: a worker takes requests from any cluster member.
            if (!BlobLocation.IsBlobText(stage.Pipeline) && Jobs.DatasetExpander.ModuleLocation(stage.Pipeline) is { } module)
            {
                stores.Resolve(module, LocationUse.Module);
            }

            stages.Add(BlobLocation.IsBlobText(stage.Pipeline)
                ? stage with { Pipeline = await LocalModuleAsync(stage.Pipeline, cancellationToken).ConfigureAwait(false) }
                : stage);
        }

        var runner = new ItemRunner(spec with { Stages = stages }, stores.Open(spec.Input.Location), stores.Open(spec.Output.Location), runtime,
            reference => pipelines.GetOrAdd(reference, r => new Pipeline(PipelineReference.Parse(r), runtime)), implementations, time);
        runners[jobId] = (runner, now);
        if (runners.Count > Capacity)
        {
            var oldest = runners.MinBy(p => p.Value.Used).Key;
            runners.TryRemove(oldest, out _);
        }

        return runner;
    }

    // The blob's local copy, named after its location and downloaded when missing or changed.
    private async Task<string> LocalModuleAsync(string location, CancellationToken cancellationToken)
    {
        var resolved = stores.Resolve(location, LocationUse.Module);
        Directory.CreateDirectory(ModuleFolder);
        var path = Path.Combine(ModuleFolder, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(resolved.Display)))[..32] + ".wasi.wasm");
        var version = await stores.DownloadModuleAsync(resolved, path, moduleVersions.GetValueOrDefault(path), cancellationToken).ConfigureAwait(false);
        moduleVersions[path] = version;
        return path;
    }
}
