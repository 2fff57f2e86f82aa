using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ItkWasmCluster.Telemetry;

/// <summary>
/// The cluster's metrics and traces, in .NET's <see cref="System.Diagnostics.Metrics"/> and <see cref="Activity"/>
/// APIs, which OpenTelemetry exports (the silo wires the exporters). One meter and one activity source, both named
/// <see cref="Name"/>. Instruments follow OpenTelemetry's naming conventions under an <c>itkwasm.</c> prefix, with UCUM
/// units (<c>s</c>, <c>By</c>, <c>{item}</c>); attributes:
/// <list type="bullet">
/// <item><c>itkwasm.job.id</c> and <c>itkwasm.job.name</c>: the job;</item>
/// <item><c>itkwasm.stage.index</c>, <c>itkwasm.pipeline</c>: a stage and its pipeline as the spec names it;</item>
/// <item><c>itkwasm.implementation</c>: what ran a stage (<c>wasm</c>, <c>simd</c>, <c>gpu:cuda</c>, …);</item>
/// <item><c>itkwasm.runtime</c>: which runtime compiled a module (<c>wasmtime</c> for WASI modules, <c>node</c> for npm
/// ones).</item>
/// </list>
/// </summary>
public static class ClusterTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "ItkWasmCluster";

    /// <summary>Attribute: the job's id.</summary>
    public const string JobId = "itkwasm.job.id";

    /// <summary>Attribute: the job's name.</summary>
    public const string JobName = "itkwasm.job.name";

    /// <summary>Attribute: the stage's position in the job (from 0).</summary>
    public const string StageIndex = "itkwasm.stage.index";

    /// <summary>Attribute: the stage's pipeline reference.</summary>
    public const string Pipeline = "itkwasm.pipeline";

    /// <summary>Attribute: what ran the stage.</summary>
    public const string Implementation = "itkwasm.implementation";

    /// <summary>Attribute: the runtime that compiled (or had cached) the module.</summary>
    public const string Runtime = "itkwasm.runtime";

    private static readonly string? Version = typeof(ClusterTelemetry).Assembly.GetName().Version?.ToString();

    // Items waiting to run, per partition grain activation on this silo: (job id, count).
    private static readonly ConcurrentDictionary<object, (string Job, int Count)> Queues = new();

    /// <summary>The activity source of the cluster's spans: <c>job.submit</c>, <c>item</c>, <c>stage</c>,
    /// <c>blob.read</c> and <c>blob.write</c>.</summary>
    public static ActivitySource Source { get; } = new(Name, Version);

    internal static Meter Meter { get; } = new(Name, Version);

    /// <summary><c>itkwasm.items.completed</c>: items whose result was committed, or kept by a resume.</summary>
    internal static Counter<long> ItemsCompleted { get; } = Meter.CreateCounter<long>("itkwasm.items.completed", "{item}", "Items whose result was committed (or kept, when a re-run found it current)");

    /// <summary><c>itkwasm.items.failed</c>: items that failed their last attempt.</summary>
    internal static Counter<long> ItemsFailed { get; } = Meter.CreateCounter<long>("itkwasm.items.failed", "{item}", "Items that failed their last allowed attempt");

    /// <summary><c>itkwasm.items.retried</c>: failed attempts that will be tried again.</summary>
    internal static Counter<long> ItemsRetried { get; } = Meter.CreateCounter<long>("itkwasm.items.retried", "{attempt}", "Failed attempts at an item that will be tried again");

    /// <summary><c>itkwasm.item.duration</c>: one attempt at an item, read to commit, on the silo that ran it.</summary>
    internal static Histogram<double> ItemDuration { get; } = Meter.CreateHistogram<double>("itkwasm.item.duration", "s", "Duration of one attempt at an item: read, stages, commit");

    /// <summary><c>itkwasm.stage.duration</c>: one stage run.</summary>
    internal static Histogram<double> StageDuration { get; } = Meter.CreateHistogram<double>("itkwasm.stage.duration", "s", "Duration of one stage run, including waiting for a compute slot");

    /// <summary><c>itkwasm.stage.runs</c>: stage runs, by implementation (accelerated or wasm).</summary>
    internal static Counter<long> StageRuns { get; } = Meter.CreateCounter<long>("itkwasm.stage.runs", "{run}", "Stage runs, by the implementation that ran them");

    /// <summary><c>itkwasm.stages.active</c>: stage runs in progress on this silo.</summary>
    internal static UpDownCounter<long> StagesActive { get; } = Meter.CreateUpDownCounter<long>("itkwasm.stages.active", "{run}", "Stage runs in progress: each holds, or waits for, one of the silo's compute slots");

    /// <summary><c>itkwasm.modules.compiled</c>: modules compiled (or loaded from the disk cache) for a stage.</summary>
    internal static Counter<long> ModulesCompiled { get; } = Meter.CreateCounter<long>("itkwasm.modules.compiled", "{module}", "Modules compiled, or loaded from the disk cache, for a stage run");

    /// <summary><c>itkwasm.modules.cache_hits</c>: stage runs whose module was already compiled in memory.</summary>
    internal static Counter<long> ModuleCacheHits { get; } = Meter.CreateCounter<long>("itkwasm.modules.cache_hits", "{run}", "Stage runs whose module was already compiled in memory");

    /// <summary><c>itkwasm.io.read</c>: bytes of inputs read.</summary>
    internal static Counter<long> BytesRead { get; } = Meter.CreateCounter<long>("itkwasm.io.read", "By", "Bytes of items' inputs read");

    /// <summary><c>itkwasm.io.written</c>: bytes of results written.</summary>
    internal static Counter<long> BytesWritten { get; } = Meter.CreateCounter<long>("itkwasm.io.written", "By", "Bytes of items' results written");

    static ClusterTelemetry() =>
        Meter.CreateObservableGauge("itkwasm.items.queued", ObserveQueues, "{item}", "Items of each job waiting to run in this silo's partitions");

    /// <summary>Records how many items of <paramref name="job"/> wait in the partition <paramref name="owner"/>; zero
    /// removes it.</summary>
    internal static void SetQueued(object owner, string job, int count)
    {
        if (count > 0)
        {
            Queues[owner] = (job, count);
        }
        else
        {
            Queues.TryRemove(owner, out _);
        }
    }

    /// <summary>Starts a span under <paramref name="parent"/> (a root span when it is <c>default</c> and no span is
    /// current) without making it the current activity: the flows that follow (awaits, thread-pool work, grain turns)
    /// keep an empty <see cref="Activity.Current"/>, whose changes .NET reports to listeners on every switch of
    /// execution context, and children name their parent explicitly. Null when nothing records spans.</summary>
    internal static Activity? StartSpan(string name, ActivityKind kind, ActivityContext parent, IEnumerable<KeyValuePair<string, object?>> tags)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var current = Activity.Current;
        var span = Source.StartActivity(name, kind, parent, tags);
        Activity.Current = current;
        return span;
    }

    /// <summary>Starts the span of one attempt at an item: the root of its own trace (a job's thousands of items would
    /// not fit in one), never a child of what started the dispatch. The request to the worker carries its context
    /// (<c>ItemRequest.TraceParent</c>), so the stages and blob transfers on the silo that runs it are its children
    /// (Orleans' own activity propagation would do it too, at the price of a span per side of every grain call,
    /// progress reports and timers included). Null when nothing records spans.</summary>
    internal static Activity? StartItemSpan(string jobId, string input, int attempt, string silo)
    {
        if (!Source.HasListeners())
        {
            return null; // nothing records spans: no tags to build
        }

        // The async caller's own current activity is unaffected (an async method's changes to it stay inside it).
        Activity.Current = null;
        return StartSpan("item", ActivityKind.Internal, default, [
            new(JobId, jobId),
            new("itkwasm.item.input", input),
            new("itkwasm.item.attempt", attempt),
            new("itkwasm.silo", silo),
        ]);
    }

    /// <summary>The attributes of <paramref name="jobId"/> and <paramref name="jobName"/>.</summary>
    internal static TagList JobTags(string jobId, string jobName) => new() { { JobId, jobId }, { JobName, jobName } };

    private static IEnumerable<Measurement<long>> ObserveQueues() =>
        Queues.Values.GroupBy(q => q.Job, StringComparer.Ordinal)
            .Select(g => new Measurement<long>(g.Sum(q => (long)q.Count), new KeyValuePair<string, object?>(JobId, g.Key)));
}
