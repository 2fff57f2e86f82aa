using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// The <see cref="IBlobAssembly"/> of an <see cref="AzureBlobStore"/>: each part is a staged block of the block blob,
/// its id made of the assembly id and the part's offset (so a retried part replaces its own uncommitted block, and the
/// block list follows from the offsets alone); the commit is one Put Block List with <c>If-None-Match: *</c>. When a
/// blob is already there, its committed block list tells whether it is this assembly's (a lost reply: nothing more is
/// sent) or an older result, which one more commit replaces on the condition <c>If-Match</c> its ETag. The committed blob
/// is then read once and given its Content-MD5 (a block list keeps none), so that later runs know its content without a
/// download. Uncommitted blocks the service discards by itself (after a week).
/// </summary>
internal sealed class AzureBlobAssembly(BlockBlobClient blob, string name, string id, Func<BlobProperties, BlobItem> item) : IBlobAssembly
{
    private readonly string prefix = BlobTemporaries.IdOf(id)[..16];

    /// <inheritdoc/>
    public Task PrepareAsync(long length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return Task.CompletedTask; // blocks need no room set aside
    }

    /// <inheritdoc/>
    public async Task WriteAsync(long offset, Stream content, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.CanSeek && content.Length - content.Position == length)
        {
            await blob.StageBlockAsync(BlockId(offset), content, cancellationToken: cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var part = PooledBuffers.Manager.GetStream();
        await content.CopyToAsync(part, cancellationToken).ConfigureAwait(false);
        part.Position = 0;
        part.SetLength(Math.Min(part.Length, length));
        await blob.StageBlockAsync(BlockId(offset), part, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Content-MD5 is the checksum Azure Storage keeps; it identifies content here, it protects nothing.")]
    public async Task<BlobItem> CommitAsync(IReadOnlyList<long> parts, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var ids = parts.Select(BlockId).ToList();
        try
        {
            await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // A blob is there: this assembly's (its commit's reply was lost), or an older result to replace.
            BlobProperties there;
            try
            {
                there = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException missing) when (missing.Status == 404)
            {
                throw new IOException($"{name}: the block list was refused ({e.ErrorCode}) though no blob is there", e);
            }

            var committed = (await blob.GetBlockListAsync(BlockListTypes.Committed, conditions: new BlobRequestConditions { IfMatch = there.ETag }, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (!committed.CommittedBlocks.Select(b => b.Name).SequenceEqual(ids))
            {
                await blob.CommitBlockListAsync(ids, new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfMatch = there.ETag } }, cancellationToken).ConfigureAwait(false);
            }
        }

        var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        if (properties.ContentLength != length)
        {
            throw new IOException($"{name}: the committed blob holds {properties.ContentLength} bytes, not {length}");
        }

        if (properties.ContentHash is { Length: > 0 })
        {
            return item(properties);
        }

        // A block list keeps no Content-MD5: the blob is read once and given its own, so that whether it still holds
        // these bytes is later known without a download (unless it was replaced meanwhile).
        byte[] md5;
        await using (var content = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false), cancellationToken).ConfigureAwait(false))
        {
            md5 = await MD5.HashDataAsync(content, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await blob.SetHttpHeadersAsync(new BlobHttpHeaders { ContentHash = md5 }, new BlobRequestConditions { IfMatch = properties.ETag }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // Replaced since: what is there now is another writer's.
        }

        return item((await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value);
    }

    // Same length for every block of the blob, as the service requires: 16 hex digits of the id, 16 of the offset.
    private string BlockId(long offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"{prefix}{offset:x16}"));
}
