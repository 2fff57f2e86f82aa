namespace ItkWasm;

/// <summary>ITK-Wasm's <c>TextStream</c>: text passed to or from a pipeline in memory (UTF-8 on the wire).</summary>
/// <param name="Data">The text.</param>
public sealed record TextStream(string Data);
