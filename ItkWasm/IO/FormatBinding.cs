using ItkWasm.IO.Cbor;

namespace ItkWasm.IO;

/// <summary>Binds one data kind's directory and CBOR readers and writers to the path and stream entry points.</summary>
/// <typeparam name="T">The interface type stored.</typeparam>
/// <param name="Kind">The data kind, checked against the path's extension.</param>
/// <param name="ReadDirectory">Reads the directory form.</param>
/// <param name="WriteDirectory">Writes the directory form.</param>
/// <param name="ReadCbor">Reads a CBOR document from a stream.</param>
/// <param name="WriteCbor">Builds the CBOR document of a value.</param>
internal sealed record FormatBinding<T>(
    ItkWasmDataKind Kind,
    Func<string, T> ReadDirectory,
    Action<T, string> WriteDirectory,
    Func<Stream, string, T> ReadCbor,
    Func<T, CborDocumentWriter> WriteCbor)
{
    /// <summary>Reads <paramref name="path"/> in the form its extension names.</summary>
    public T Read(string path)
    {
        var form = FormOf(path);
        if (form == ItkWasmFileForm.Directory)
        {
            return System.IO.Directory.Exists(path)
                ? ReadDirectory(path)
                : throw new DirectoryNotFoundException($"{path}: no such directory");
        }

        return File.Exists(path)
            ? FormStreams.ReadFile(path, form, ReadCbor)
            : throw new FileNotFoundException($"{path}: no such file", path);
    }

    /// <summary>Reads a single-file form from <paramref name="stream"/>.</summary>
    public T Read(Stream stream, ItkWasmFileForm form, string sourceName) =>
        FormStreams.Read(stream, form, sourceName, ReadCbor);

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> in the form its extension names, atomically.</summary>
    public void Write(T value, string path)
    {
        ArgumentNullException.ThrowIfNull(value);
        var form = FormOf(path);
        if (form == ItkWasmFileForm.Directory)
        {
            WriteDirectory(value, path);
        }
        else
        {
            FormStreams.WriteFile(WriteCbor(value), path, form);
        }
    }

    /// <summary>Writes a single-file form of <paramref name="value"/> to <paramref name="stream"/>.</summary>
    public void Write(T value, Stream stream, ItkWasmFileForm form)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormStreams.Write(WriteCbor(value), stream, form);
    }

    private ItkWasmFileForm FormOf(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var parsed = ItkWasmPath.Parse(path);
        return parsed.Kind == Kind
            ? parsed.Form
            : throw new NotSupportedException(
                $"{path}: the extension names {ItkWasmPath.Describe(parsed.Kind)}, not {ItkWasmPath.Describe(Kind)} "
                + $"({ItkWasmPath.Extension(Kind, ItkWasmFileForm.Cbor)} and its other forms)");
    }
}
