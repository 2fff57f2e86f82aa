using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.IO;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// An <see cref="IBlobStore"/> on a prefix of an Azure Blob Storage container (or Azurite), on the Azure SDK
/// (<c>Azure.Storage.Blobs</c>). Names are relative to the prefix; names with a segment starting with '.' are not
/// listed, as in <see cref="FileSystemBlobStore"/>.
/// <list type="bullet">
/// <item>Reads stream: <see cref="OpenReadAsync"/> is one streaming GET; <see cref="OpenRangedReadAsync"/> fetches only
/// the ranges a reader asks for.</item>
/// <item>Writes stream too: what the writer produces is piped into one upload, which the SDK sends in one request for a
/// small blob and otherwise as staged blocks committed in one call, so no reader ever sees part of a blob.</item>
/// <item><see cref="TryCreateAsync"/> sends <c>If-None-Match: *</c> with that single request or the commit: of two
/// writers exactly one creates the blob; the other gets 409 and reports false. (Azurite also answers 409 when the name
/// holds only the uncommitted blocks of a writer that failed mid-upload, with no blob to read: a caller that finds none
/// after false writes with <see cref="UploadAsync"/>.)</item>
/// <item>Transient failures (500, 503, timeouts, connection resets) are retried by the SDK's retry policy, set on the
/// container client the caller passes in.</item>
/// </list>
/// Thread-safe.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    private readonly BlobContainerClient container;
    private readonly string prefix;
    private readonly StorageTransferOptions transfer;
    private readonly int readBufferBytes;

    /// <summary>The size up to which a blob is written in one request unless the transfer
    /// options set another (their <see cref="StorageTransferOptions.InitialTransferSize"/>): the SDK's own default for
    /// uploads of a known length. Larger blobs go as staged blocks and one commit.</summary>
    public const long DefaultSingleRequestBytes = 256L << 20;

    private readonly long singleRequestBytes;

    /// <summary>Creates a store over the blobs of <paramref name="container"/> whose names start with
    /// <paramref name="prefix"/>.</summary>
    /// <param name="container">The container's client, with the credentials and retry policy to use.</param>
    /// <param name="prefix">Empty, or a blob-name prefix ending with '/'.</param>
    /// <param name="transfer">How uploads are split and parallelized (the SDK's defaults when left default).</param>
    /// <param name="readBufferBytes">How many bytes each ranged read fetches. Default 4 MiB.</param>
    public AzureBlobStore(BlobContainerClient container, string prefix, StorageTransferOptions transfer = default, int readBufferBytes = 4 << 20)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length > 0 && !prefix.EndsWith('/'))
        {
            throw new ArgumentException("a blob prefix ends with '/'", nameof(prefix));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(readBufferBytes, 4096);
        this.container = container;
        this.prefix = prefix;
        this.transfer = transfer;
        this.readBufferBytes = readBufferBytes;
        singleRequestBytes = transfer.InitialTransferSize ?? DefaultSingleRequestBytes;
    }

    /// <inheritdoc/>
    public string Description => $"{container.Uri.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{prefix}";

    /// <inheritdoc/>
    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => List(prefix, hidden: false, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<BlobItem> ListAllAsync(string prefix, CancellationToken cancellationToken = default) => List(prefix, hidden: true, cancellationToken);

    private async IAsyncEnumerable<BlobItem> List(string prefix, bool hidden, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, this.prefix + prefix, cancellationToken).ConfigureAwait(false))
        {
            var name = blob.Name[this.prefix.Length..];
            if (hidden || !name.Split('/').Any(part => part.StartsWith('.')))
            {
                yield return Item(name, blob.Properties.ContentLength ?? 0, blob.Properties.LastModified ?? default, blob.Properties.ETag ?? default, blob.Properties.ContentHash);
            }
        }
    }

    /// <inheritdoc/>
    public async Task<BlobItem?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = (await Blob(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return Item(name, properties.ContentLength, properties.LastModified, properties.ETag, properties.ContentHash);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public async Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            // One streaming GET; the SDK's stream resumes from where it broke (a ranged GET pinned to the ETag) when the
            // connection fails mid-blob.
            var download = await Blob(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return download.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"{name}: no such blob in {Description}", name, e);
        }
    }

    /// <inheritdoc/>
    public IBlobAssembly OpenAssembly(string name, string id) =>
        new AzureBlobAssembly(container.GetBlockBlobClient(prefix + name), name, id, p => Item(name, p.ContentLength, p.LastModified, p.ETag, p.ContentHash));

    /// <summary>Opens a blob for reading in any order: the SDK's seekable stream, which fetches
    /// <c>readBufferBytes</c>-sized ranges as the reader goes, pinned to the blob's ETag at open (a blob rewritten
    /// mid-read fails the read rather than mixing two versions). For readers that need only part of a blob.</summary>
    /// <exception cref="FileNotFoundException">The blob does not exist.</exception>
    public async Task<Stream> OpenRangedReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Blob(name).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = readBufferBytes }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new FileNotFoundException($"{name}: no such blob in {Description}", name, e);
        }
    }

    /// <inheritdoc/>
    public async Task<BlobItem?> TryCreateAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        try
        {
            return await UploadCoreAsync(name, write, new BlobRequestConditions { IfNoneMatch = ETag.All }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            return null; // BlobAlreadyExists, or the condition failed at the commit
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.InvalidBlockList)
        {
            // Another writer's commit discarded our uncommitted blocks: it won, unless nothing is there.
            return await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is not null ? null : throw new IOException($"the upload of {name} to {Description} lost its blocks", e);
        }
    }

    /// <inheritdoc/>
    public Task<BlobItem> UploadAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        UploadCoreAsync(name, write, null, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        (await Blob(name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;

    /// <inheritdoc/>
    public string? GetLocalPath(string name) => null;

    /// <summary>Deletes the hidden blobs (<see cref="BlobTemporaries"/>) left beside the blobs <paramref name="names"/>:
    /// one listing of the hidden names per folder. Uncommitted blocks need nothing: Azure discards them by itself.</summary>
    public async Task CleanUpAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var folder in names.GroupBy(n => n[..(n.LastIndexOf('/') + 1)], StringComparer.Ordinal))
        {
            var files = folder.Select(n => n[folder.Key.Length..]).ToHashSet(StringComparer.Ordinal);
            var hidden = prefix + folder.Key + ".";
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, hidden, cancellationToken).ConfigureAwait(false))
            {
                var file = blob.Name[(prefix.Length + folder.Key.Length)..];
                if (!file.Contains('/', StringComparison.Ordinal) && BlobTemporaries.FinalOf(file) is { } final && files.Contains(final))
                {
                    await container.GetBlobClient(blob.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static BlobItem Item(string name, long length, DateTimeOffset lastModified, ETag etag, byte[]? md5) =>
        new(name, length, lastModified)
        {
            Version = etag.ToString(),
            ContentHash = md5 is { Length: > 0 } ? "md5:" + Convert.ToHexStringLower(md5) : null,
        };

    private BlobClient Blob(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return container.GetBlobClient(prefix + name);
    }

    // Writes what write produces as one blob. Up to singleRequestBytes it is buffered and sent in one request, for which
    // the service computes and keeps the Content-MD5 itself (Azure, and Azurite 3.37 as measured). Past that, it is
    // piped into the SDK's upload (staged blocks, one commit, which keeps no Content-MD5), hashed on the way, and the blob
    // gets its Content-MD5 afterwards. A failed or cancelled write commits nothing. Returns the committed blob's
    // properties, from the responses (no further request unless the service left out the Content-MD5).
    private async Task<BlobItem> UploadCoreAsync(string name, Func<Stream, CancellationToken, Task> write, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        var blob = Blob(name);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Pipe? pipe = null;
        Task<BlobContentInfo>? upload = null;
        await using var staging = new StagingStream(singleRequestBytes, PooledBuffers.Manager.GetStream(), () =>
        {
            pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
            upload = UploadFromAsync(blob, pipe.Reader, conditions, stop.Token);
            return pipe.Writer.AsStream(leaveOpen: true);
        });
        try
        {
            await write(staging, stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (pipe is not null)
        {
            // Not completing the pipe normally: that would commit what was written so far.
            await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await upload!.ConfigureAwait(false);
            }
            catch (Exception) when (upload!.IsFaulted || upload.IsCanceled)
            {
                // The write's failure is the one to report.
            }

            throw;
        }

        if (pipe is null)
        {
            var buffered = staging.Buffered!;
            buffered.Position = 0;
            var sent = (await blob.UploadAsync(buffered, new BlobUploadOptions
            {
                Conditions = conditions,
                TransferOptions = new StorageTransferOptions { InitialTransferSize = singleRequestBytes + 1, MaximumTransferSize = transfer.MaximumTransferSize },
            }, cancellationToken).ConfigureAwait(false)).Value;
            return sent.ContentHash is { Length: > 0 }
                ? Item(name, staging.Written, sent.LastModified, sent.ETag, sent.ContentHash)
                : await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new IOException($"{name} is missing from {Description} right after it was written");
        }

        await pipe.Writer.CompleteAsync().ConfigureAwait(false);
        var committed = await upload!.ConfigureAwait(false);
        var md5 = staging.SpilledMd5();
        try
        {
            var headers = (await blob.SetHttpHeadersAsync(new BlobHttpHeaders { ContentHash = md5 }, new BlobRequestConditions { IfMatch = committed.ETag }, cancellationToken).ConfigureAwait(false)).Value;
            return Item(name, staging.Written, headers.LastModified, headers.ETag, md5);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // Replaced since by another writer, whose upload sets its own.
            return await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new IOException($"{name} was replaced in {Description} and then deleted while it was written", e);
        }
    }

    private async Task<BlobContentInfo> UploadFromAsync(BlobClient blob, PipeReader reader, BlobRequestConditions? conditions, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = reader.AsStream();
            return (await blob.UploadAsync(source, new BlobUploadOptions { Conditions = conditions, TransferOptions = transfer }, cancellationToken).ConfigureAwait(false)).Value;
        }
        finally
        {
            // Unblocks a writer still producing when the upload gave up (a refused create, a permanent error).
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A write-only stream that buffers what it is given until it passes a threshold, then hands the buffer and
    /// everything after to the stream that <c>spill</c> opens, computing the MD5 of all of it on the way (only then: a
    /// blob sent in one request gets its Content-MD5 from the service).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Content-MD5 is the checksum Azure Storage keeps; it identifies content here, it protects nothing.")]
    private sealed class StagingStream(long threshold, RecyclableMemoryStream buffer, Func<Stream> spill) : Stream
    {
        private RecyclableMemoryStream? buffer = buffer;
        private Stream? target;
        private IncrementalHash? hash;

        /// <summary>Gets the buffered bytes, while they have not been handed to the spill stream.</summary>
        public Stream? Buffered => buffer;

        /// <summary>Gets the number of bytes written.</summary>
        public long Written { get; private set; }

        /// <summary>Returns the MD5 of everything written, once the stream has spilled.</summary>
        public byte[] SpilledMd5() => hash!.GetHashAndReset();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
        {
            Written += bytes.Length;
            if (target is null && buffer!.Length + bytes.Length <= threshold)
            {
                buffer.Write(bytes.Span);
                return;
            }

            if (target is null)
            {
                target = spill();
                hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
                foreach (var segment in buffer!.GetReadOnlySequence())
                {
                    hash.AppendData(segment.Span);
                }

                buffer.Position = 0;
                await buffer.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
                await buffer.DisposeAsync().ConfigureAwait(false);
                buffer = null;
            }

            hash!.AppendData(bytes.Span);
            await target.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => target?.FlushAsync(cancellationToken) ?? Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                buffer?.Dispose();
                target?.Dispose(); // leaves the pipe open: the caller completes it
                hash?.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
