using System.Security.Cryptography;
using System.Text;
using ItkWasm.IO;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>
/// Items stored as ITK-Wasm <c>.iwi</c> directories (ITKWASM-SPEC §3.1): the blobs <c>X.iwi/index.json</c>,
/// <c>X.iwi/data/direction.raw</c> and <c>X.iwi/data/data.raw</c> are one item, named <c>X.iwi</c>, whose properties
/// are its parts' together.
/// </summary>
internal static class ImageDirectoryItems
{
    /// <summary>The parts of a directory image, in the order they are hashed.</summary>
    public static readonly IReadOnlyList<string> Parts = ["index.json", "data/direction.raw", "data/data.raw"];

    /// <summary>Returns whether the item <paramref name="name"/> is an <c>.iwi</c> directory.</summary>
    public static bool IsDirectory(string name) =>
        ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Directory };

    /// <summary>Replaces the blobs that lie inside <c>.iwi</c> directories by one item per directory (its parts'
    /// lengths summed, the latest of their times, a version and a content hash made of theirs); other blobs pass
    /// through; other blobs inside a directory are no items. A directory without an <c>index.json</c> is an item still,
    /// which fails saying so.</summary>
    public static IEnumerable<BlobItem> Group(IEnumerable<BlobItem> blobs)
    {
        var directories = new Dictionary<string, List<BlobItem>>(StringComparer.Ordinal);
        foreach (var blob in blobs)
        {
            if (DirectoryOf(blob.Name) is { } directory)
            {
                (directories.TryGetValue(directory, out var parts) ? parts : directories[directory] = []).Add(blob);
            }
            else
            {
                yield return blob;
            }
        }

        foreach (var (directory, parts) in directories)
        {
            yield return Combine(directory, parts);
        }
    }

    /// <summary>Returns the properties of the directory item <paramref name="name"/>, or null when it has no
    /// <c>index.json</c>.</summary>
    public static async Task<BlobItem?> GetPropertiesAsync(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var parts = new List<BlobItem>();
        foreach (var part in Parts)
        {
            if (await store.GetPropertiesAsync($"{name}/{part}", cancellationToken).ConfigureAwait(false) is { } blob)
            {
                parts.Add(blob);
            }
        }

        return parts.Count > 0 && parts[0].Name.EndsWith("/index.json", StringComparison.Ordinal) ? Combine(name, parts) : null;
    }

    /// <summary>Reads the parts of the directory item <paramref name="name"/> in <see cref="Parts"/>' order and returns
    /// the SHA-256 of their names and bytes, as lowercase hex.</summary>
    /// <exception cref="FileNotFoundException">The directory has no <c>index.json</c>.</exception>
    public static async Task<string> Sha256Async(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var part in Parts)
        {
            Stream stream;
            try
            {
                stream = await store.OpenReadAsync($"{name}/{part}", cancellationToken).ConfigureAwait(false);
            }
            catch (FileNotFoundException) when (part != Parts[0])
            {
                continue; // a directory image without pixels has no data.raw
            }

            await using (stream)
            {
                sha.AppendData(Encoding.UTF8.GetBytes(part + "\n"));
                int read;
                while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                }
            }
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Copies the directory item <paramref name="name"/> into the local folder <paramref name="folder"/>.</summary>
    public static async Task DownloadAsync(IBlobStore store, string name, string folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        foreach (var part in Parts)
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

    // The X.iwi a blob lies in (the first folder of its name that is an .iwi directory), or null.
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

    // Only the parts the format has count: anything else in the directory is not read.
    private static BlobItem Combine(string name, List<BlobItem> parts)
    {
        var ordered = parts.Where(p => Parts.Contains(p.Name[(name.Length + 1)..])).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var hashes = ordered.All(p => p.ContentHash is not null)
            ? "parts:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', ordered.Select(p => $"{p.Name[(name.Length + 1)..]} {p.ContentHash}")))))
            : null;
        return new BlobItem(name, ordered.Sum(p => p.Length), ordered.Count > 0 ? ordered.Max(p => p.LastModified) : parts.Max(p => p.LastModified))
        {
            Version = string.Join('|', ordered.Select(p => $"{p.Name[(name.Length + 1)..]}={p.Version}")),
            ContentHash = hashes,
        };
    }
}
