using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// A silo's executors of the jobs it runs items of, one per spec, so that a job's stages are bound to their pipelines
/// (and their interface descriptions read) once per silo rather than once per item. The compiled modules themselves
/// live in the runtime's module cache. Keeps the most recently used <see cref="Capacity"/> jobs.
/// </summary>
public sealed class ItemExecutors(IWasmRuntime runtime)
{
    /// <summary>How many jobs' executors are kept.</summary>
    public const int Capacity = 32;

    private readonly ConcurrentDictionary<string, (ItemExecutor Executor, long Used)> executors = new(StringComparer.Ordinal);
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
        var executor = new ItemExecutor(spec, new FileSystemBlobStore(spec.Input.Location), new FileSystemBlobStore(spec.Output.Location), runtime);
        executors[specJson] = (executor, now);
        if (executors.Count > Capacity)
        {
            var oldest = executors.MinBy(p => p.Value.Used).Key;
            executors.TryRemove(oldest, out _);
        }

        return executor;
    }
}
