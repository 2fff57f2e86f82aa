namespace ItkWasmCluster.Grains;

/// <summary>
/// The cluster's sign-out: browser sessions issued before its epoch are no longer accepted by any silo. The silo's one
/// credential is its token, so a sign-out ends every browser session signed in until then (programs with the bearer
/// token are unaffected). Keyed 0; its state is persistent, so a sign-out outlives every silo.
/// </summary>
public interface ISessionEpochGrain : IGrainWithIntegerKey
{
    /// <summary>Gets the epoch: sessions issued before it are ended; <see cref="DateTimeOffset.MinValue"/> before any
    /// sign-out.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DateTimeOffset> GetAsync();

    /// <summary>Ends every session issued up to <paramref name="now"/>.</summary>
    Task SignOutAsync(DateTimeOffset now);
}
