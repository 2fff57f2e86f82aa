namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// One blob written in parts, from any number of places and in any order, and committed once: the form a result
/// assembled from chunks takes (<see cref="IBlobStore.OpenAssembly"/>). Until the commit nothing is at the blob's name;
/// the commit makes the whole blob appear at once, replacing what was there. Parts are addressed by their byte offset
/// in the blob; writing a part again (a retried chunk) writes the same bytes again. The assembly is named by an id
/// (the result's content key, say), so that an assembly cut short by a crash is taken up again by the next attempt.
/// </summary>
public interface IBlobAssembly
{
    /// <summary>Starts the assembly of a blob of <paramref name="length"/> bytes, or takes up the one already started
    /// under this id at that length (a file store preallocates a hidden file of that length beside the blob).</summary>
    Task PrepareAsync(long length, CancellationToken cancellationToken = default);

    /// <summary>Writes the part at <paramref name="offset"/>: the next <paramref name="length"/> bytes of
    /// <paramref name="content"/> (Azure: a staged block, whose id is the offset).</summary>
    /// <exception cref="InvalidOperationException">The assembly was not prepared (a file store's hidden file is gone:
    /// the job was cleaned up meanwhile).</exception>
    Task WriteAsync(long offset, Stream content, long length, CancellationToken cancellationToken = default);

    /// <summary>Makes the blob of <paramref name="length"/> bytes of the parts at <paramref name="parts"/> (every part's
    /// offset, in order, together covering the blob) appear at its name: a file store flushes the hidden file to disk and renames it into place; Azure
    /// commits the block list, once, on the condition that no blob is there (or, when one is, that it is still the one
    /// just read). A commit that finds its own blob already committed (its reply was lost) returns it.</summary>
    /// <returns>The committed blob's properties.</returns>
    /// <exception cref="InvalidOperationException">Nothing was prepared and no committed blob of this assembly is there.</exception>
    Task<BlobItem> CommitAsync(IReadOnlyList<long> parts, long length, CancellationToken cancellationToken = default);
}
