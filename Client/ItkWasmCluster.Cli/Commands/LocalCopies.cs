using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// Lets a command that works on local paths take blob locations too (<c>az://CONTAINER/NAME</c> or a blob URL, see
/// <see cref="BlobLocation"/>): an input blob is downloaded to a temporary folder, an output is written there and
/// uploaded by <see cref="CommitAsync"/>. Local paths pass through untouched. Disposing deletes the temporary folder.
/// Credentials for <c>az://</c> come from <c>AZURE_STORAGE_CONNECTION_STRING</c>.
/// </summary>
internal sealed class LocalCopies : IDisposable
{
    private readonly List<(string Path, BlobLocation Location)> outputs = [];
    private BlobStores? stores;
    private string? folder;
    private int next;

    /// <summary>Returns <paramref name="text"/> as messages and output may show it: a blob URL without its SAS.</summary>
    public static string Describe(string text) =>
        BlobLocation.IsBlobText(text) && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Query.Length > 0 ? uri.GetLeftPart(UriPartial.Path) : text;

    /// <summary>Returns a local path holding what <paramref name="text"/> names, downloading it if it is a blob.</summary>
    /// <exception cref="FileNotFoundException">The blob does not exist.</exception>
    /// <exception cref="BlobLocationException">The location does not parse or cannot be reached.</exception>
    public async Task<string> ReadableAsync(string text, CancellationToken cancellationToken)
    {
        if (!BlobLocation.IsBlobText(text))
        {
            return text;
        }

        var location = Stores.Resolve(text);
        return await Stores.DownloadAsync(location, NewFolder(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns the local path to write what <paramref name="text"/> names; for a blob, a temporary path with
    /// the blob's name (so its extension still picks the format), uploaded by <see cref="CommitAsync"/>.</summary>
    /// <exception cref="BlobLocationException">The location does not parse or names a whole container.</exception>
    public string Writable(string text)
    {
        if (!BlobLocation.IsBlobText(text))
        {
            return text;
        }

        var location = Stores.Resolve(text);
        string name;
        try
        {
            name = location.Split().Name;
        }
        catch (FormatException e)
        {
            throw new BlobLocationException(e.Message, e);
        }

        var path = Path.Combine(NewFolder(), name);
        outputs.Add((path, location));
        return path;
    }

    /// <summary>Uploads every output written to a path from <see cref="Writable"/>, replacing the blobs there and
    /// creating a missing container first.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        foreach (var (path, location) in outputs)
        {
            try
            {
                await Stores.UploadAsync(path, location, cancellationToken).ConfigureAwait(false);
            }
            catch (Azure.RequestFailedException e) when (e.ErrorCode == "ContainerNotFound")
            {
                await Stores.CreateContainerIfMissingAsync(location, cancellationToken).ConfigureAwait(false);
                await Stores.UploadAsync(path, location, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (folder is not null && Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private BlobStores Stores => stores ??= new BlobStores();

    private string NewFolder()
    {
        folder ??= Directory.CreateTempSubdirectory("itkwasm-cluster-").FullName;
        return Directory.CreateDirectory(Path.Combine(folder, (next++).ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
    }
}
