using System.Runtime.InteropServices;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>The canonical path of a file or folder with every symbolic link resolved (POSIX <c>realpath(3)</c>), for
/// checking that a path stays inside a root however its links point.</summary>
internal static partial class RealPath
{
    /// <summary>Resolves <paramref name="path"/>; for a path that does not exist yet, resolves its nearest existing
    /// ancestor and appends the rest.</summary>
    public static string Of(string path)
    {
        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        var existing = full;
        while (true)
        {
            var resolved = Resolve(existing);
            if (resolved is not null)
            {
                return missing.Aggregate(resolved, Path.Combine);
            }

            var parent = Path.GetDirectoryName(existing);
            if (parent is null)
            {
                return full;
            }

            missing.Push(Path.GetFileName(existing));
            existing = parent;
        }
    }

    /// <summary>Gets whether <paramref name="path"/>, resolved, is <paramref name="realRoot"/> or inside it.</summary>
    /// <param name="path">Any path.</param>
    /// <param name="realRoot">A root already resolved with <see cref="Of"/>.</param>
    public static bool IsInside(string path, string realRoot)
    {
        var real = Of(path);
        return real == realRoot || real.StartsWith(realRoot.TrimEnd('/') + "/", StringComparison.Ordinal);
    }

    private static string? Resolve(string path)
    {
        var result = Native.realpath(path, IntPtr.Zero);
        if (result == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Marshal.FreeHGlobal(result); // realpath's buffer comes from malloc; FreeHGlobal is free() on Unix
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr realpath(string path, IntPtr resolved);
    }
}
