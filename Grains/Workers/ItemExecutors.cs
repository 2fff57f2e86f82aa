using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// A silo's executors of the jobs it runs items of, one per spec, so that a job's stages are bound to their pipelines
/// once per silo rather than once per item; and the pipelines themselves, one per reference, so that a pipeline's
/// interface description is read once for every job that runs it. The compiled modules live in the runtime's module
/// cache. Keeps the most recently used <see cref="Capacity"/> jobs. The embedded cluster shares one among its jobs'
/// silos.
/// </summary>
public sealed class ItemExecutors(IWasmRuntime runtime)
{
    /// <summary>How many jobs' executors are kept.</summary>
    public const int Capacity = 32;

    private readonly ConcurrentDictionary<string, (ItemExecutor Executor, long Used)> executors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Pipeline> pipelines = new(StringComparer.Ordinal);
    private long clock;

    /// <summary>Returns the executor of the job <paramref name="specJson"/> describes.</summary>
    internal ItemExecutor For(string specJson)
    {
        var now = Interlocked.Increment(ref clock);
        if (executors.TryGetValue(specJson, out var known))
        {
            executors[specJson] = (known.Executor, now);
            return known.Executor;
        }

        var spec = JobSpecParser.FromJson(JsonNode.Parse(specJson));
        var executor = new ItemExecutor(spec, new FileSystemBlobStore(spec.Input.Location), new FileSystemBlobStore(spec.Output.Location), runtime,
            reference => pipelines.GetOrAdd(reference, r => new Pipeline(PipelineReference.Parse(r), runtime)));
        executors[specJson] = (executor, now);
        if (executors.Count > Capacity)
        {
            var oldest = executors.MinBy(p => p.Value.Used).Key;
            executors.TryRemove(oldest, out _);
        }

        return executor;
    }
}
