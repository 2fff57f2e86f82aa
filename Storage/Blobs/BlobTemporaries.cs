namespace ItkWasmCluster.Storage.Blobs;

/// <summary>
/// The names of the hidden blobs a store keeps beside a blob while it is made (<c>.FILE.ID.tmp</c> in the blob's
/// folder, ID 32 lowercase hex digits): a file store's write in progress or assembly, and the decompressed input of an
/// item run by chunks. Listings leave them out (a name part starting with '.' is hidden); the store's
/// <see cref="IBlobStore.CleanUpAsync"/> removes the ones of a job's results once the job ends.
/// </summary>
public static partial class BlobTemporaries
{
    /// <summary>Returns the name of the hidden blob <paramref name="id"/> of <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The id is not 32 lowercase hex digits.</exception>
    public static string Name(string name, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var slash = name.LastIndexOf('/');
        return $"{name[..(slash + 1)]}.{name[(slash + 1)..]}.{IdOf(id)}.tmp";
    }

    /// <summary>Returns the file name of the blob whose hidden blob is named <paramref name="file"/> (a name without
    /// folders), or null when it is not one.</summary>
    public static string? FinalOf(string file) =>
        TemporaryName().IsMatch(file) ? file[1..file.LastIndexOf('.', file.Length - ".tmp".Length - 1)] : null;

    /// <summary>Gets the id, checked: 32 lowercase hex digits.</summary>
    /// <exception cref="ArgumentException">It is not.</exception>
    public static string IdOf(string id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f') ? id : throw new ArgumentException($"a temporary's id is 32 lowercase hex digits, not '{id}'", nameof(id));

    [System.Text.RegularExpressions.GeneratedRegex(@"^\..+\.[0-9a-f]{32}\.tmp$")]
    private static partial System.Text.RegularExpressions.Regex TemporaryName();
}
