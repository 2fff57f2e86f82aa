using System.Runtime.CompilerServices;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// An <see cref="IBlobStore"/> on a local folder (the embedded cluster's default). Blob names map to paths under
/// <see cref="Root"/>; a write goes to a hidden temporary sibling first and is renamed into place, so a reader never
/// sees a partial blob and a crash leaves none at its final name. Hidden files (names starting with '.') are not listed.
/// A confined store (a silo's) also refuses any blob whose path, with its symbolic links resolved, leaves the root's.
/// </summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private readonly string? realRoot;

    /// <summary>Creates a store over <paramref name="root"/> (created if missing).</summary>
    /// <param name="root">The folder.</param>
    /// <param name="confined">Whether to refuse blobs that symbolic links take outside the root (checked with
    /// <c>realpath(3)</c> on every access, and used to leave such files out of listings).</param>
    public FileSystemBlobStore(string root, bool confined = false)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        realRoot = confined ? RealPath.Of(Root) : null;
    }

    /// <summary>Gets the folder the blobs live in.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public string Description => Root;

    /// <inheritdoc/>
    public IAsyncEnumerable<BlobItem> ListAsync(string prefix, CancellationToken cancellationToken = default) => List(prefix, hidden: false, cancellationToken);

    /// <inheritdoc/>
    public IAsyncEnumerable<BlobItem> ListAllAsync(string prefix, CancellationToken cancellationToken = default) => List(prefix, hidden: true, cancellationToken);

    // The files under the prefix's folder (the root when the prefix names none).
    private async IAsyncEnumerable<BlobItem> List(string prefix, bool hidden, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = hidden ? 0 : FileAttributes.Hidden, IgnoreInaccessible = true };
        var folder = prefix.LastIndexOf('/') is var slash and > 0 && !prefix[..slash].Split('/').Any(p => p is "" or "." or "..") ? Path.Combine(Root, prefix[..slash]) : Root;
        if (!Directory.Exists(folder))
        {
            yield break;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetRelativePath(Root, file).Replace(Path.DirectorySeparatorChar, '/');
            if (name.StartsWith(prefix, StringComparison.Ordinal) && (hidden || !name.Split('/').Any(part => part.StartsWith('.')))
                && (realRoot is null || RealPath.IsInside(file, realRoot)))
            {
                yield return Item(name, new FileInfo(file));
            }
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<BlobItem?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        var info = new FileInfo(PathOf(name));
        return Task.FromResult(info.Exists ? Item(name, info) : null);
    }

    private static BlobItem Item(string name, FileInfo info) => new(name, info.Length, info.LastWriteTimeUtc);

    /// <inheritdoc/>
    public Task<Stream> OpenReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{name}: no such blob in {Root}", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
    }

    /// <inheritdoc/>
    public Task<Stream> OpenRangedReadAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{name}: no such blob in {Root}", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12, FileOptions.RandomAccess));
    }

    /// <inheritdoc/>
    public IBlobAssembly OpenAssembly(string name, string id) => new FileBlobAssembly(PathOf(name), name, id, Item);

    /// <inheritdoc/>
    public async Task<BlobItem?> TryCreateAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        if (File.Exists(path))
        {
            return null;
        }

        var temp = await WriteTempAsync(path, write, cancellationToken).ConfigureAwait(false);
        try
        {
            // Without overwrite, .NET moves with link(2) + unlink(2) on Unix: the link fails if the name exists, so of
            // two writers exactly one wins, and the winner's blob is whole.
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return null;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        FolderSync.Sync(Path.GetDirectoryName(path)!); // the name is on the disk before the result is recorded
        return Item(name, new FileInfo(path));
    }

    /// <inheritdoc/>
    public async Task<BlobItem> UploadAsync(string name, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        var temp = await WriteTempAsync(path, write, cancellationToken).ConfigureAwait(false);
        try
        {
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        FolderSync.Sync(Path.GetDirectoryName(path)!);
        return Item(name, new FileInfo(path));
    }

    /// <inheritdoc/>
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = PathOf(name);
        var existed = File.Exists(path);
        if (existed)
        {
            File.Delete(path);
        }

        return Task.FromResult(existed);
    }

    /// <inheritdoc/>
    public string? GetLocalPath(string name) => PathOf(name);

    /// <inheritdoc/>
    public Task CleanUpAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        DeleteAbandonedTemporaries(names);
        return Task.CompletedTask;
    }

    /// <summary>Deletes the temporary files that writes interrupted by a crash left behind. Only safe while no write is
    /// in progress (the embedded cluster calls it under its exclusive lock).</summary>
    /// <returns>How many files were deleted.</returns>
    public int DeleteAbandonedTemporaries() => DeleteTemporaries(_ => true);

    /// <summary>Deletes the temporary files that interrupted writes of the blobs <paramref name="names"/> left behind
    /// (a silo killed mid-write), leaving other writers' temporaries alone. Only safe once no write of those blobs is
    /// in progress (a finished job's outputs).</summary>
    /// <returns>How many files were deleted.</returns>
    public int DeleteAbandonedTemporaries(IEnumerable<string> names)
    {
        var finals = names.Select(PathOf).ToHashSet(StringComparer.Ordinal);
        return DeleteTemporaries(temp =>
        {
            var final = BlobTemporaries.FinalOf(Path.GetFileName(temp));
            return final is not null && finals.Contains(Path.Combine(Path.GetDirectoryName(temp)!, final));
        });
    }

    private int DeleteTemporaries(Func<string, bool> abandoned)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 };
        if (!Directory.Exists(Root))
        {
            return 0;
        }

        var files = Directory.EnumerateFiles(Root, ".*.tmp", options)
            .Where(f => BlobTemporaries.FinalOf(Path.GetFileName(f)) is not null && abandoned(f))
            .ToArray();
        foreach (var file in files)
        {
            File.Delete(file);
        }

        return files.Length;
    }

    private static async Task<string> WriteTempAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true); // the bytes reach the disk before the name does
            }

            return temp;
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private string PathOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var path = Path.GetFullPath(Path.Combine(Root, name));
        if (!path.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Blob name '{name}' points outside {Root}.", nameof(name));
        }

        if (realRoot is not null && !RealPath.IsInside(path, realRoot))
        {
            throw new UnauthorizedAccessException($"{name} in {Root} is a symbolic link (or lies under one) that leads outside that folder; the silo does not follow it.");
        }

        return path;
    }
}
