using Microsoft.IO;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// Serves a synchronous reader (ITK-Wasm's file readers) from a network stream without holding a thread for every
/// round trip: <see cref="OpenAsync"/> reads the first bytes asynchronously into pooled memory before the reader
/// starts, and what lies past that limit (a large blob) is read from the source as the reader asks. Read-only, forward
/// only; owns the source and disposes it.
/// </summary>
public sealed class ReadAheadStream : Stream
{
    /// <summary>How many bytes <see cref="OpenAsync"/> reads ahead unless told otherwise: 256 MiB, the size up to
    /// which <see cref="AzureBlobStore"/> also buffers a write.</summary>
    public const long DefaultLimit = AzureBlobStore.DefaultSingleRequestBytes;

    private readonly RecyclableMemoryStream head;
    private readonly Stream source;
    private readonly bool sourceEnded;

    private ReadAheadStream(RecyclableMemoryStream head, Stream source, bool sourceEnded)
    {
        this.head = head;
        this.source = source;
        this.sourceEnded = sourceEnded;
    }

    /// <inheritdoc/>
    public override bool CanRead => true;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override bool CanWrite => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Reads up to <paramref name="limit"/> bytes of <paramref name="source"/> asynchronously, then returns a
    /// stream of all of it.</summary>
    /// <param name="source">The stream to read; the result owns it.</param>
    /// <param name="limit">How many bytes to read ahead at most.</param>
    /// <param name="cancellationToken">Stops the read-ahead.</param>
    public static async Task<Stream> OpenAsync(Stream source, long limit = DefaultLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var head = PooledBuffers.Manager.GetStream();
        try
        {
            var ended = false;
            while (head.Length < limit)
            {
                var span = head.GetMemory((int)Math.Min(1 << 17, limit - head.Length));
                var read = await source.ReadAsync(span[..(int)Math.Min(span.Length, limit - head.Length)], cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    ended = true;
                    break;
                }

                head.Advance(read);
            }

            head.Position = 0;
            return new ReadAheadStream(head, source, ended);
        }
        catch
        {
            await head.DisposeAsync().ConfigureAwait(false);
            await source.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        var read = head.Read(buffer);
        return read > 0 || sourceEnded || buffer.IsEmpty ? read : source.Read(buffer);
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = head.Read(buffer.Span);
        return read > 0 || sourceEnded || buffer.IsEmpty ? read : await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            head.Dispose();
            source.Dispose();
        }

        base.Dispose(disposing);
    }
}
