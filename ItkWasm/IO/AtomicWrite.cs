namespace ItkWasm.IO;

/// <summary>
/// Writes files and directories so that nothing appears at the final name until it is complete: content goes to a
/// hidden temporary sibling, which is then renamed over the destination. A failed write leaves no partial output.
/// </summary>
internal static class AtomicWrite
{
    /// <summary>Writes a file through <paramref name="write"/>, then renames it to <paramref name="path"/>.</summary>
    public static void File(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var temp = TempSibling(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
            }

            System.IO.File.Move(temp, full, overwrite: true);
        }
        catch
        {
            System.IO.File.Delete(temp);
            throw;
        }
    }

    /// <summary>Fills a new directory through <paramref name="write"/>, then renames it to <paramref name="path"/>,
    /// replacing a directory already there.</summary>
    public static void Directory(string path, Action<string> write)
    {
        var full = Path.GetFullPath(path.TrimEnd('/', '\\'));
        var temp = TempSibling(full);
        try
        {
            System.IO.Directory.CreateDirectory(temp);
            write(temp);
            if (System.IO.Directory.Exists(full))
            {
                System.IO.Directory.Delete(full, recursive: true);
            }
            else if (System.IO.File.Exists(full))
            {
                throw new IOException($"{path} exists and is a file, not a directory.");
            }

            System.IO.Directory.Move(temp, full);
        }
        catch
        {
            if (System.IO.Directory.Exists(temp))
            {
                System.IO.Directory.Delete(temp, recursive: true);
            }

            throw;
        }
    }

    private static string TempSibling(string full)
    {
        var directory = Path.GetDirectoryName(full) ?? ".";
        System.IO.Directory.CreateDirectory(directory);
        return Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }
}
