namespace ItkWasm.IO.Directory;

/// <summary>Reads and writes the <c>.raw</c> files of the directory forms: plain little-endian arrays.</summary>
internal static class RawFiles
{
    /// <summary>
    /// Reads <paramref name="relativePath"/> under <paramref name="directory"/> into a new buffer, after checking that
    /// the file holds exactly <paramref name="expectedLength"/> bytes. A missing file reads as empty when
    /// <paramref name="expectedLength"/> is 0.
    /// </summary>
    /// <exception cref="ItkWasmFormatException">The file is missing or of another length.</exception>
    public static DataBuffer Read(string directory, string relativePath, long expectedLength)
    {
        var path = Path.Combine(directory, relativePath);
        if (!File.Exists(path))
        {
            return expectedLength == 0
                ? DataBuffer.Allocate(0)
                : throw new ItkWasmFormatException(directory, $"{relativePath} is missing; the index declares {expectedLength} bytes");
        }

        var actual = new FileInfo(path).Length;
        if (actual != expectedLength)
        {
            throw new ItkWasmFormatException(
                directory, $"{relativePath} holds {actual} bytes, but the index declares {expectedLength}");
        }

        var buffer = DataBuffer.Allocate(actual);
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            buffer.ReadFrom(stream);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    /// <summary>Writes <paramref name="data"/> to <paramref name="relativePath"/> under <paramref name="directory"/>,
    /// creating its folder.</summary>
    public static void Write(string directory, string relativePath, DataBuffer data)
    {
        var path = Path.Combine(directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1);
        data.WriteTo(stream);
    }

    /// <summary>Writes a small float64 array.</summary>
    public static void Write(string directory, string relativePath, ReadOnlySpan<double> values)
    {
        using var buffer = DataBuffer.Copy(values);
        Write(directory, relativePath, buffer);
    }
}
