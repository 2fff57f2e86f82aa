using System.Security.Cryptography;
using System.Text;
using ItkWasm.IO;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// Items stored as folders of blobs, each one item named by its folder: ITK-Wasm <c>.iwi</c> directories
/// (ITKWASM-SPEC §3.1: <c>X.iwi/index.json</c>, <c>X.iwi/data/direction.raw</c>, <c>X.iwi/data/data.raw</c>) and
/// OME-Zarr images (<c>X.zarr/</c> or <c>X.ome.zarr/</c>: every object below, its hidden Zarr v2 metadata included).
/// An item's length is its parts' summed, its version changes with any part's, and its content hash (when the store
/// keeps one per part) is made of theirs.
/// </summary>
internal static class DirectoryItems
{
    /// <summary>The parts of a directory image, in the order they are hashed.</summary>
    public static readonly IReadOnlyList<string> ImageParts = ["index.json", "data/direction.raw", "data/data.raw"];

    /// <summary>Returns whether the item <paramref name="name"/> is a folder of blobs.</summary>
    public static bool IsDirectory(string name) => IsImageDirectory(name) || IsZarr(name);

    /// <summary>Returns whether the item <paramref name="name"/> is an <c>.iwi</c> directory.</summary>
    public static bool IsImageDirectory(string name) =>
        ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Directory };

    /// <summary>Returns whether the item <paramref name="name"/> is an OME-Zarr image (a <c>.zarr</c> folder).</summary>
    public static bool IsZarr(string name) => name.EndsWith(".zarr", StringComparison.OrdinalIgnoreCase) && name.Length > ".zarr".Length;

    /// <summary>Replaces the blobs that lie inside directory items by one item per directory; other blobs pass
    /// through, hidden ones (a name part starting with '.') left out. Blobs inside an <c>.iwi</c> directory that are
    /// not its parts are no items. An <c>.iwi</c> directory without an <c>index.json</c> is an item still, which fails
    /// saying so.</summary>
    /// <param name="blobs">A listing with hidden blobs (<see cref="IBlobStore.ListAllAsync"/>).</param>
    public static IEnumerable<BlobItem> Group(IEnumerable<BlobItem> blobs)
    {
        var directories = new Dictionary<string, List<BlobItem>>(StringComparer.Ordinal);
        foreach (var blob in blobs)
        {
            if (DirectoryOf(blob.Name) is { } directory)
            {
                (directories.TryGetValue(directory, out var parts) ? parts : directories[directory] = []).Add(blob);
            }
            else if (!blob.Name.Split('/').Any(part => part.StartsWith('.')))
            {
                yield return blob;
            }
        }

        foreach (var (directory, parts) in directories)
        {
            if (Combine(directory, parts) is { } item)
            {
                yield return item;
            }
        }
    }

    /// <summary>Returns the properties of the directory item <paramref name="name"/>, or null when it has no parts.</summary>
    public static async Task<BlobItem?> GetPropertiesAsync(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var parts = new List<BlobItem>();
        await foreach (var blob in store.ListAllAsync(name + "/", cancellationToken).ConfigureAwait(false))
        {
            parts.Add(blob);
        }

        return IsImageDirectory(name) && !parts.Any(p => p.Name == $"{name}/index.json") ? null : Combine(name, parts);
    }

    /// <summary>Reads the parts of the directory item <paramref name="name"/> in name order and returns the SHA-256 of
    /// their names and bytes, as lowercase hex.</summary>
    public static async Task<string> Sha256Async(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var names = new List<string>();
        await foreach (var blob in store.ListAllAsync(name + "/", cancellationToken).ConfigureAwait(false))
        {
            names.Add(blob.Name);
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var part in Parts(name, names).Order(StringComparer.Ordinal))
        {
            await using var stream = await store.OpenReadAsync(part, cancellationToken).ConfigureAwait(false);
            sha.AppendData(Encoding.UTF8.GetBytes(part[(name.Length + 1)..] + "\n"));
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Copies the <c>.iwi</c> directory item <paramref name="name"/> into the local folder
    /// <paramref name="folder"/>.</summary>
    public static async Task DownloadAsync(IBlobStore store, string name, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var part in ImageParts)
        {
            Stream source;
            try
            {
                source = await store.OpenReadAsync($"{name}/{part}", cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException)
            {
                continue; // the reader names what is missing
            }

            var path = Path.Combine(folder, part);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using (source)
            await using (var file = File.Create(path))
            {
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // The directory item a blob lies in (the first folder of its name that is one), or null.
    private static string? DirectoryOf(string name)
    {
        for (var slash = name.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = name.IndexOf('/', slash + 1))
        {
            if (IsDirectory(name[..slash]))
            {
                return name[..slash];
            }
        }

        return null;
    }

    // The names of a directory item's parts among the blobs below it: an .iwi directory's three, a Zarr's all.
    private static IEnumerable<string> Parts(string name, IEnumerable<string> below) =>
        IsImageDirectory(name) ? below.Where(n => ImageParts.Contains(n[(name.Length + 1)..])) : below;

    private static BlobItem? Combine(string name, List<BlobItem> blobs)
    {
        var parts = Parts(name, blobs.Select(b => b.Name)).ToHashSet(StringComparer.Ordinal);
        var ordered = blobs.Where(b => parts.Contains(b.Name)).OrderBy(b => b.Name, StringComparer.Ordinal).ToList();
        if (ordered.Count == 0)
        {
            return IsImageDirectory(name) ? new BlobItem(name, 0, blobs.Max(b => b.LastModified)) : null;
        }

        string Hash(Func<BlobItem, string?> of) =>
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', ordered.Select(p => $"{p.Name[(name.Length + 1)..]} {of(p)}")))));
        return new BlobItem(name, ordered.Sum(p => p.Length), ordered.Max(p => p.LastModified))
        {
            Version = "parts:" + Hash(p => p.Version),
            ContentHash = ordered.All(p => p.ContentHash is not null) ? "parts:" + Hash(p => p.ContentHash) : null,
        };
    }
}
