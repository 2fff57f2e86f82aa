using System.Buffers;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// The <see cref="IBlobAssembly"/> of a <see cref="FileSystemBlobStore"/>: a hidden file beside the blob
/// (<c>.NAME.ID.tmp</c>, a temporary the store's clean-up removes once its job ends), preallocated to the blob's
/// length, written part by part at its offsets (positional writes, from any process that sees the folder), flushed to
/// disk and renamed into place by the commit.
/// </summary>
internal sealed class FileBlobAssembly(string path, string name, string id, Func<string, FileInfo, BlobItem> item) : IBlobAssembly
{
    private readonly string hidden = Path.Combine(Path.GetDirectoryName(path)!, BlobTemporaries.Name(Path.GetFileName(path), id));

    /// <inheritdoc/>
    public Task PrepareAsync(long length, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Directory.CreateDirectory(Path.GetDirectoryName(hidden)!);
        using var file = new FileStream(hidden, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        if (file.Length != length)
        {
            file.SetLength(length);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task WriteAsync(long offset, Stream content, long length, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var file = OpenHidden();
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(length, 1), 1 << 20));
        try
        {
            for (var done = 0L; done < length;)
            {
                var n = (int)Math.Min(buffer.Length, length - done);
                await content.ReadExactlyAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                await RandomAccess.WriteAsync(file, buffer.AsMemory(0, n), offset + done, cancellationToken).ConfigureAwait(false);
                done += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc/>
    public Task<BlobItem> CommitAsync(IReadOnlyList<long> parts, long length, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(hidden))
        {
            // Committed already, by an attempt whose reply was lost.
            var committed = new FileInfo(path);
            return committed.Exists && committed.Length == length
                ? Task.FromResult(item(name, committed))
                : throw new InvalidOperationException($"{name}: the assembly {Path.GetFileName(hidden)} is gone and no result of {length} bytes is there; it must be prepared again");
        }

        using (var file = OpenHidden())
        {
            if (RandomAccess.GetLength(file) != length)
            {
                throw new InvalidOperationException($"{name}: the assembly {Path.GetFileName(hidden)} holds {RandomAccess.GetLength(file)} bytes, not {length}");
            }

            RandomAccess.FlushToDisk(file); // the bytes reach the disk before the name does
        }

        File.Move(hidden, path, overwrite: true);
        FolderSync.Sync(Path.GetDirectoryName(path)!);
        return Task.FromResult(item(name, new FileInfo(path)));
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenHidden()
    {
        try
        {
            return File.OpenHandle(hidden, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException($"{name}: the assembly {Path.GetFileName(hidden)} is gone (its job was cleaned up); it must be prepared again", e);
        }
    }
}
