namespace ItkWasm.IO;

/// <summary>What an ITK-Wasm file holds, told by its extension.</summary>
public enum ItkWasmDataKind
{
    /// <summary>An <see cref="ItkWasm.Image"/>: <c>.iwi</c>.</summary>
    Image,

    /// <summary>A <see cref="ItkWasm.Mesh"/>: <c>.iwm</c>.</summary>
    Mesh,

    /// <summary>A <see cref="ItkWasm.TransformList"/>: <c>.iwt</c>.</summary>
    TransformList,
}
