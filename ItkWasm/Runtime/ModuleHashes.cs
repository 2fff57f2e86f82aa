using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ItkWasm.Runtime;

/// <summary>
/// The content keys of module files: <c>sha256:</c> and the SHA-256 of the file's bytes in lower-case hex, hashed
/// once per path, size and modification time. The key is both a runtime's compile-cache key and what a job records to
/// recognise a result computed by the same module. Thread-safe.
/// </summary>
internal sealed class ModuleHashes
{
    private readonly ConcurrentDictionary<(string Path, long Length, DateTime Written), string> hashes = new();

    /// <summary>Returns the content key of <paramref name="file"/>.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public string Of(FileInfo file) => hashes.GetOrAdd((file.FullName, file.Length, file.LastWriteTimeUtc), k =>
    {
        using var stream = File.OpenRead(k.Path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream));
    });
}
