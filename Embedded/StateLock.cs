namespace ItkWasmCluster.Embedded;

/// <summary>An exclusive lock on a state folder, held by an open lock file; the operating system releases it when the
/// process ends, even when it is killed.</summary>
internal sealed class StateLock : IDisposable
{
    private readonly FileStream file;

    private StateLock(FileStream file) => this.file = file;

    /// <summary>Takes the lock on <paramref name="folder"/> (created if missing).</summary>
    /// <exception cref="InvalidOperationException">Another process holds it.</exception>
    public static StateLock Acquire(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "lock");
        try
        {
            return new StateLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"another run is using {Path.GetDirectoryName(folder)} (its lock {path} is held)", e);
        }
    }

    /// <summary>Releases the lock.</summary>
    public void Dispose() => file.Dispose();
}
