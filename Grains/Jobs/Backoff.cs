namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// An exponential backoff, the one policy of the grains' retries: after the n-th failure in a row the next try waits
/// <see cref="First"/> × 2^(n−1), at most <see cref="Max"/>.
/// </summary>
/// <param name="First">The wait after the first failure.</param>
/// <param name="Max">The longest wait.</param>
internal sealed record Backoff(TimeSpan First, TimeSpan Max)
{
    /// <summary>An item's failed attempt runs again after 250 ms, doubling up to 10 s (a lost attempt after 250 ms).</summary>
    public static readonly Backoff Attempts = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));

    /// <summary>A write or read of the cluster store that failed is tried again after 100 ms, doubling up to 5 s.</summary>
    public static readonly Backoff Store = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));

    /// <summary>A report to the job grain that failed is sent again after 100 ms, doubling up to 10 s.</summary>
    public static readonly Backoff Reports = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    /// <summary>Returns the wait after <paramref name="failures"/> failures in a row (none after none).</summary>
    public TimeSpan After(int failures) =>
        failures <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(Max.Ticks, First.Ticks << Math.Min(failures - 1, 20)));
}
