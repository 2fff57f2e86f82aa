using ItkWasmCluster.Grains;

namespace ItkWasmCluster.Silo;

/// <summary>This silo's view of the cluster's sign-out epoch (<see cref="ISessionEpochGrain"/>): read from the grain at
/// most once a second, so a sign-out on another silo applies here within a second, and one on this silo at once.
/// A singleton; thread-safe.</summary>
internal sealed class SessionEpoch(IGrainFactory grains, TimeProvider time)
{
    private (DateTimeOffset Epoch, long ReadAt) known = (DateTimeOffset.MinValue, long.MinValue);

    /// <summary>Gets the epoch: sessions issued before it are ended.</summary>
    public async Task<DateTimeOffset> GetAsync()
    {
        var now = time.GetTimestamp();
        var cached = known;
        if (cached.ReadAt != long.MinValue && time.GetElapsedTime(cached.ReadAt, now) < TimeSpan.FromSeconds(1))
        {
            return cached.Epoch;
        }

        var read = await grains.GetGrain<ISessionEpochGrain>(0).GetAsync().ConfigureAwait(false);
        known = (read, now);
        return read;
    }

    /// <summary>Ends every session issued until <paramref name="now"/>, on every silo.</summary>
    public async Task SignOutAsync(DateTimeOffset now)
    {
        await grains.GetGrain<ISessionEpochGrain>(0).SignOutAsync(now).ConfigureAwait(false);
        known = (now, time.GetTimestamp());
    }
}
