namespace ItkWasm.IO;

/// <summary>The three storage forms of ITK-Wasm's file formats (ITKWASM-SPEC §3).</summary>
public enum ItkWasmFileForm
{
    /// <summary>A directory (<c>X.iwi/</c>) holding <c>index.json</c> and raw arrays under <c>data/</c>.</summary>
    Directory,

    /// <summary>One CBOR file (<c>X.iwi.cbor</c>).</summary>
    Cbor,

    /// <summary>One CBOR file compressed as a single zstd frame with its content size (<c>X.iwi.cbor.zst</c>).</summary>
    CborZstd,
}
