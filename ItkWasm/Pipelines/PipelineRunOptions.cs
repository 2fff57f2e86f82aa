namespace ItkWasm.Pipelines;

/// <summary>Limits for one pipeline run.</summary>
public sealed record PipelineRunOptions
{
    /// <summary>Gets the default options.</summary>
    public static PipelineRunOptions Default { get; } = new();

    /// <summary>Gets the deadline for the run, from the call; past it the run is stopped and fails with
    /// <see cref="PipelineFailureKind.Timeout"/>. Default 10 minutes; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets the most linear memory the module may grow to, in bytes, rounded down to whole 64 KiB pages. A
    /// module that needs more fails with <see cref="PipelineFailureKind.OutOfMemory"/>. Default 4 GiB, the wasm32
    /// limit; at least 64 KiB.</summary>
    public long MemoryLimitBytes { get; init; } = 4L << 30;

    /// <summary>Gets how much of the module's standard output and standard error is kept, in bytes each. Default
    /// 1 MiB.</summary>
    public int OutputCaptureLimitBytes { get; init; } = 1 << 20;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Names the option that is out of range.</exception>
    public void Validate()
    {
        if (Timeout <= TimeSpan.Zero && Timeout != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "Timeout must be positive or infinite.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MemoryLimitBytes, 65536, nameof(MemoryLimitBytes));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MemoryLimitBytes, 4L << 30, nameof(MemoryLimitBytes));
        ArgumentOutOfRangeException.ThrowIfNegative(OutputCaptureLimitBytes, nameof(OutputCaptureLimitBytes));
    }
}
