namespace ItkWasm.Zarr;

/// <summary>An <see cref="IZarrStore"/> on a local folder: a key is a file path below it. Keys with <c>..</c> or
/// empty parts are refused.</summary>
/// <param name="root">The folder that holds the hierarchy's root.</param>
public sealed class ZarrFolderStore(string root) : IZarrStore
{
    /// <inheritdoc/>
    public string Description { get; } = Path.GetFullPath(root);

    /// <inheritdoc/>
    public async ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        return File.Exists(path) ? await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <inheritdoc/>
    public async ValueTask<byte[]?> GetRangeAsync(string key, long offset, int length, CancellationToken cancellationToken = default)
    {
        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        var start = offset < 0 ? file.Length + offset : offset;
        if (start < 0 || start + length > file.Length)
        {
            throw new EndOfStreamException($"{key} holds {file.Length} bytes, not {length} at {offset}");
        }

        var bytes = new byte[length];
        await RandomAccess.ReadAsync(file.SafeFileHandle, bytes, start, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    private string PathOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Split('/').Any(part => part is "" or "." or "..")
            ? throw new ArgumentException($"'{key}' is not a Zarr key", nameof(key))
            : Path.Combine(Description, key);
    }
}
