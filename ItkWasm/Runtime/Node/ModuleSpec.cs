namespace ItkWasm.Runtime.Node;

/// <summary>An npm pipeline's Emscripten module as the executor loads it.</summary>
/// <param name="Path">The pipeline's path without <c>.js</c>/<c>.wasm.zst</c>.</param>
/// <param name="Key">The compile-cache key: the content hash of the <c>.wasm.zst</c>.</param>
internal sealed record ModuleSpec(string Path, string Key);
