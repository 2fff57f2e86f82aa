using System.Runtime.InteropServices;

namespace ItkWasmCluster.Storage.Blobs;

/// <summary>Makes a rename durable: <c>fsync(2)</c> on the folder that holds the new name (POSIX leaves a rename in
/// the page cache until its folder is synced; a power loss could otherwise lose a result already recorded).</summary>
internal static partial class FolderSync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    /// <summary>Syncs <paramref name="folder"/>'s entries to the disk.</summary>
    /// <exception cref="IOException">The folder cannot be opened or synced.</exception>
    public static void Sync(string folder)
    {
        var fd = Native.open(folder, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open the folder {folder} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Native.fsync(fd) != 0)
            {
                throw new IOException($"cannot sync the folder {folder} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Native.close(fd);
        }
    }

    private static partial class Native
    {
        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        internal static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        internal static partial int fsync(int fd);

        [LibraryImport("libc")]
        internal static partial int close(int fd);
    }
}
