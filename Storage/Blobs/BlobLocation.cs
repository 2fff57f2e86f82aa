using Azure.Storage.Blobs;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// Where a dataset, a job's results or a module live, parsed from the text a user writes:
/// <list type="bullet">
/// <item>a local folder or file (<see cref="LocalPath"/>);</item>
/// <item><c>az://CONTAINER/PREFIX</c>: a container of the storage account named by the configured connection string
/// (<c>AZURE_STORAGE_CONNECTION_STRING</c>, as for the Azure CLI);</item>
/// <item>a blob URL: <c>https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX</c>, with a SAS query if given, or
/// path-style as Azurite serves it, <c>http://127.0.0.1:10000/ACCOUNT/CONTAINER/PREFIX</c> (parsed with the Azure SDK's
/// <see cref="BlobUriBuilder"/>).</item>
/// </list>
/// Blob prefixes are percent-decoded once and must be plain '/'-separated names: no empty, <c>.</c> or <c>..</c>
/// segment, no backslash and no control character, so that no spelling reaches outside the prefix it names.
/// </summary>
public sealed record BlobLocation
{
    /// <summary>The scheme of locations in the configured storage account.</summary>
    public const string AzScheme = "az://";

    private BlobLocation()
    {
    }

    /// <summary>Gets the full local path, for a location on this machine's file system; null for blobs.</summary>
    public string? LocalPath { get; private init; }

    /// <summary>Gets the blob container's URL without any query, for a blob URL; null for <c>az://</c> and local
    /// locations.</summary>
    public Uri? ContainerUri { get; private init; }

    /// <summary>Gets the storage account's name when the location names it (blob URLs); null otherwise.</summary>
    public string? Account { get; private init; }

    /// <summary>Gets the container's name; null for local locations.</summary>
    public string? Container { get; private init; }

    /// <summary>Gets the blob-name prefix inside the container: empty, or ending with '/'.</summary>
    public string Prefix { get; private init; } = string.Empty;

    /// <summary>Gets the SAS query of a blob URL (without '?'), or null. Never shown in messages.</summary>
    public string? Sas { get; private init; }

    /// <summary>Gets whether this is a blob location (<c>az://</c> or a URL).</summary>
    public bool IsBlob => Container is not null;

    /// <summary>Gets the location as messages show it: the path, <c>az://CONTAINER/PREFIX</c>, or the URL without its
    /// SAS.</summary>
    public string Display => LocalPath
        ?? (ContainerUri is null ? $"{AzScheme}{Container}/{Prefix}" : $"{ContainerUri.AbsoluteUri.TrimEnd('/')}/{Prefix}");

    /// <summary>Gets whether <paramref name="text"/> is written as a blob location (<c>az://</c>, <c>http://</c> or
    /// <c>https://</c>).</summary>
    public static bool IsBlobText(string text) =>
        text.StartsWith(AzScheme, StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || text.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a location.</summary>
    /// <param name="text">The location as written.</param>
    /// <param name="relativeTo">The folder relative paths are taken from, or null to refuse relative paths (a silo
    /// takes only absolute ones: its working folder means nothing to the user).</param>
    /// <exception cref="FormatException">The text is not a usable location; the message says why.</exception>
    public static BlobLocation Parse(string text, string? relativeTo = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException("the location is empty");
        }

        if (text.StartsWith(AzScheme, StringComparison.OrdinalIgnoreCase))
        {
            var rest = text[AzScheme.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var container = slash < 0 ? rest : rest[..slash];
            return new BlobLocation
            {
                Container = CheckContainer(container, text),
                Prefix = CheckPrefix(slash < 0 ? string.Empty : Uri.UnescapeDataString(rest[(slash + 1)..]), text),
            };
        }

        if (IsBlobText(text))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                throw new FormatException($"'{text}' is not a URL");
            }

            var parts = new BlobUriBuilder(uri);
            if (string.IsNullOrEmpty(parts.BlobContainerName))
            {
                throw new FormatException($"'{Redacted(uri)}' names no container; write https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX");
            }

            var sas = uri.Query.TrimStart('?');
            if (sas.Length > 0 && !sas.Split('&').Any(p => p.StartsWith("sig=", StringComparison.Ordinal) && p.Length > 4))
            {
                throw new FormatException($"the query of '{Redacted(uri)}' is not a SAS (a SAS has sv=...&sig=...); write the blob URL with a SAS or without a query");
            }

            var prefix = CheckPrefix(parts.BlobName ?? string.Empty, Redacted(uri));
            parts.BlobName = string.Empty;
            parts.Sas = null;
            parts.Query = null;
            return new BlobLocation
            {
                ContainerUri = parts.ToUri(),
                Account = parts.AccountName,
                Container = CheckContainer(parts.BlobContainerName, Redacted(uri)),
                Prefix = prefix,
                Sas = sas.Length > 0 ? sas : null,
            };
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new FormatException("the path contains a NUL character");
        }

        if (!Path.IsPathRooted(text) && relativeTo is null)
        {
            throw new FormatException($"'{text}' is a relative path; a silo takes absolute paths only");
        }

        return new BlobLocation { LocalPath = Path.GetFullPath(text, relativeTo ?? Environment.CurrentDirectory) };
    }

    /// <summary>Returns the location of the blob or file <paramref name="name"/> ('/'-separated) inside this one.</summary>
    public BlobLocation Child(string name) => LocalPath is not null
        ? this with { LocalPath = Path.Combine(LocalPath, name) }
        : this with { Prefix = Prefix + name };

    /// <summary>Splits a location naming one blob or file into the folder or prefix holding it and its last name: for
    /// <c>az://c/scans/a.iwi.cbor</c>, <c>az://c/scans/</c> and <c>a.iwi.cbor</c>.</summary>
    /// <exception cref="FormatException">The location is a whole container or a file-system root, so it names no
    /// blob.</exception>
    public (BlobLocation Parent, string Name) Split()
    {
        if (LocalPath is { } path)
        {
            var trimmed = Path.TrimEndingDirectorySeparator(path);
            var parent = Path.GetDirectoryName(trimmed);
            return parent is null
                ? throw new FormatException($"{path} is a file-system root, not a file")
                : (this with { LocalPath = parent }, Path.GetFileName(trimmed));
        }

        if (Prefix.Length == 0)
        {
            throw new FormatException($"{Display} names a container, not a blob: add the blob's name after it");
        }

        var name = Prefix[..^1];
        var slash = name.LastIndexOf('/');
        return (this with { Prefix = slash < 0 ? string.Empty : name[..(slash + 1)] }, name[(slash + 1)..]);
    }

    private static string CheckContainer(string name, string text)
    {
        // Azure's rules: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
        var valid = name.Length is >= 3 and <= 63
                    && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                    && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);
        return valid || name == "$root" ? name : throw new FormatException($"'{name}' in {text} is not a valid container name (3 to 63 lowercase letters, digits and hyphens)");
    }

    private static string CheckPrefix(string prefix, string text)
    {
        if (prefix.Length == 0)
        {
            return prefix;
        }

        var trimmed = prefix.EndsWith('/') ? prefix[..^1] : prefix;
        foreach (var segment in trimmed.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || segment.Contains('\\', StringComparison.Ordinal) || segment.Any(char.IsControl))
            {
                throw new FormatException($"the blob prefix '{prefix}' in {text} has an empty, '.', '..' or backslashed segment or a control character");
            }
        }

        return trimmed + "/";
    }

    private static string Redacted(Uri uri) => uri.GetLeftPart(UriPartial.Path);
}
