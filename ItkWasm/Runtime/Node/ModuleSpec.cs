namespace ItkWasm.Runtime.Node;

/// <summary>A module as the executor loads it.</summary>
/// <param name="Kind"><c>wasi</c> or <c>emscripten</c>.</param>
/// <param name="Path">The <c>.wasi.wasm</c> file, or the npm pipeline's path without <c>.js</c>/<c>.wasm.zst</c>.</param>
/// <param name="Key">The compile-cache key: the content hash of a WASI module, or the npm files' path and time.</param>
internal sealed record ModuleSpec(string Kind, string Path, string Key);
