using ItkWasm.Runtime;

namespace ItkWasmCluster.Grains;

/// <summary>Settings of an <see cref="EmbeddedCluster"/>.</summary>
public sealed record EmbeddedClusterOptions
{
    /// <summary>Gets how many items run at once (one pipeline executor each). Default: the processor count; at least 1.</summary>
    public int Concurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets the length of a task's lease, renewed every third of it while the task runs. Default 30 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the delay before a failed item's first retry; later retries double it, up to 10 s. Default 250 ms.</summary>
    public TimeSpan FirstRetryDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Gets the pipeline runtime's settings (Wasmtime's module cache, Node.js, node_modules); its compute
    /// slots are <see cref="Concurrency"/>.</summary>
    public WasmRuntimeOptions Runtime { get; init; } = new();

    /// <summary>Gets the clock for leases and retries. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Names the setting that is out of range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Concurrency, 1, nameof(Concurrency));
        ArgumentOutOfRangeException.ThrowIfLessThan(LeaseDuration, TimeSpan.FromSeconds(1), nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfNegative(FirstRetryDelay.Ticks, nameof(FirstRetryDelay));
    }
}
