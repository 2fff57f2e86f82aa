namespace ItkWasm.IO;

/// <summary>
/// Tells the kind and form of an ITK-Wasm file from its name: <c>.iwi</c>, <c>.iwm</c>, <c>.iwt</c> (directories),
/// with <c>.cbor</c> or <c>.cbor.zst</c> after them (single files), compared without regard to case.
/// </summary>
/// <param name="Kind">What the file holds.</param>
/// <param name="Form">How it is stored.</param>
public sealed record ItkWasmPath(ItkWasmDataKind Kind, ItkWasmFileForm Form)
{
    private static readonly (string Extension, ItkWasmDataKind Kind)[] Kinds =
        [(".iwi", ItkWasmDataKind.Image), (".iwm", ItkWasmDataKind.Mesh), (".iwt", ItkWasmDataKind.TransformList)];

    private static readonly (string Suffix, ItkWasmFileForm Form)[] Forms =
        [(".cbor.zst", ItkWasmFileForm.CborZstd), (".cbor", ItkWasmFileForm.Cbor), (string.Empty, ItkWasmFileForm.Directory)];

    /// <summary>Returns the kind and form that <paramref name="path"/>'s extension names, or null if it names none of
    /// ITK-Wasm's formats.</summary>
    public static ItkWasmPath? TryParse(string path)
    {
        var name = Path.GetFileName(path.TrimEnd('/', '\\'));
        foreach (var (suffix, form) in Forms)
        {
            foreach (var (extension, kind) in Kinds)
            {
                if (name.Length > extension.Length + suffix.Length
                    && name.EndsWith(extension + suffix, StringComparison.OrdinalIgnoreCase))
                {
                    return new ItkWasmPath(kind, form);
                }
            }
        }

        return null;
    }

    /// <summary>Returns the kind and form <paramref name="path"/> names.</summary>
    /// <exception cref="NotSupportedException">The extension is not one of ITK-Wasm's formats.</exception>
    public static ItkWasmPath Parse(string path) => TryParse(path) ?? throw new NotSupportedException(
        $"{path}: not an ITK-Wasm file name (.iwi, .iwm, .iwt, optionally followed by .cbor or .cbor.zst); "
        + "other formats are not supported yet");

    /// <summary>Names <paramref name="kind"/> with its article, for messages: "an image", "a mesh", "a transform list".</summary>
    public static string Describe(ItkWasmDataKind kind) => kind switch
    {
        ItkWasmDataKind.Image => "an image",
        ItkWasmDataKind.Mesh => "a mesh",
        _ => "a transform list",
    };

    /// <summary>Returns the extension for <paramref name="kind"/> in <paramref name="form"/>, for example
    /// <c>.iwi.cbor</c>.</summary>
    public static string Extension(ItkWasmDataKind kind, ItkWasmFileForm form) =>
        Kinds.First(k => k.Kind == kind).Extension + Forms.First(f => f.Form == form).Suffix;
}
