namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// Copies between blob locations and local files, for code that reads and writes by path: the command line's
/// <c>exec</c>, <c>convert</c> and <c>info</c>, whose readers (ITK-Wasm's file formats, the <c>@itk-wasm/image-io</c>
/// pipelines) take paths. One blob is one file; ITK-Wasm's directory forms (<c>.iwi</c>, <c>.iwm</c>, <c>.iwt</c>) are
/// a folder of files and, as blobs, the blobs under a prefix of the same name. Copies stream: no blob is held in memory.
/// </summary>
public static class BlobFiles
{
    /// <summary>Downloads what <paramref name="location"/> names into <paramref name="folder"/>, under its last name:
    /// the blob of that name, or, when there is none, the blobs below it as a folder (a directory form).</summary>
    /// <returns>The local path of the file or folder.</returns>
    /// <exception cref="FileNotFoundException">Neither a blob nor blobs below that name exist.</exception>
    /// <exception cref="BlobLocationException">The location is not served, or is unreachable (403, a missing container).</exception>
    public static async Task<string> DownloadAsync(this BlobStores stores, BlobLocation location, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(location);
        var (parent, name) = Split(location);
        var store = stores.Open(parent);
        var local = Path.Combine(folder, name);
        if (await store.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is not null)
        {
            await CopyOutAsync(store, name, local, cancellationToken).ConfigureAwait(false);
            return local;
        }

        var found = false;
        await foreach (var blob in store.ListAsync(name + "/", cancellationToken).ConfigureAwait(false))
        {
            found = true;
            await CopyOutAsync(store, blob.Name, Path.Combine(folder, blob.Name), cancellationToken).ConfigureAwait(false);
        }

        return found ? local : throw new FileNotFoundException($"{location.Display.TrimEnd('/')}: no such blob", location.Display);
    }

    /// <summary>Uploads the file or folder <paramref name="localPath"/> to <paramref name="location"/>, replacing what
    /// is there: a file becomes one blob; a folder becomes the blobs below that name, and blobs left there by an
    /// earlier upload that the folder no longer holds are deleted once the new ones are written.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="localPath"/>.</exception>
    /// <exception cref="BlobLocationException">The location is not served, or is unreachable.</exception>
    public static async Task UploadAsync(this BlobStores stores, string localPath, BlobLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stores);
        ArgumentNullException.ThrowIfNull(localPath);
        var (parent, name) = Split(location);
        var store = stores.Open(parent);
        if (File.Exists(localPath))
        {
            await CopyInAsync(store, name, localPath, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!Directory.Exists(localPath))
        {
            throw new FileNotFoundException($"{localPath}: no such file or folder to upload", localPath);
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(localPath, "*", SearchOption.AllDirectories))
        {
            var blobName = $"{name}/{Path.GetRelativePath(localPath, file).Replace(Path.DirectorySeparatorChar, '/')}";
            await CopyInAsync(store, blobName, file, cancellationToken).ConfigureAwait(false);
            written.Add(blobName);
        }

        var stale = new List<string>();
        await foreach (var blob in store.ListAsync(name + "/", cancellationToken).ConfigureAwait(false))
        {
            if (!written.Contains(blob.Name))
            {
                stale.Add(blob.Name);
            }
        }

        foreach (var blobName in stale)
        {
            await store.DeleteAsync(blobName, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (BlobLocation Parent, string Name) Split(BlobLocation location)
    {
        try
        {
            return location.Split();
        }
        catch (FormatException e)
        {
            throw new BlobLocationException(e.Message, e);
        }
    }

    private static async Task CopyOutAsync(IBlobStore store, string name, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var source = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (target.ConfigureAwait(false))
            {
                await source.CopyToAsync(target, 1 << 20, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Task<BlobItem> CopyInAsync(IBlobStore store, string name, string path, CancellationToken cancellationToken) =>
        store.UploadAsync(
            name,
            async (target, ct) =>
            {
                var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (source.ConfigureAwait(false))
                {
                    await source.CopyToAsync(target, 1 << 20, ct).ConfigureAwait(false);
                }
            },
            cancellationToken);
}
