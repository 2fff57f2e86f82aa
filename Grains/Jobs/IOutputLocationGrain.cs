namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// One output location (keyed by <c>BlobStores.IdentityOf</c>: the real folder path, or the container's URL and the
/// prefix): which running job writes its results there. Two running jobs never share one, so neither writes over the
/// other's results while both run.
/// </summary>
internal interface IOutputLocationGrain : IGrainWithStringKey
{
    /// <summary>Claims the location for <paramref name="jobId"/>.</summary>
    /// <returns>Null when the job holds the location now; otherwise the id of the running job that holds it. A holder
    /// that is no longer running (finished, cancelled, or gone) loses it.</returns>
    Task<string?> ClaimAsync(string jobId);

    /// <summary>Gives the location up, when <paramref name="jobId"/> holds it.</summary>
    Task ReleaseAsync(string jobId);
}
