namespace ItkWasm;

/// <summary>ITK-Wasm's <c>BinaryFile</c>: a binary file a pipeline reads or writes by path; only its directory is made
/// visible to the module.</summary>
/// <param name="Path">Path of the file on the host.</param>
public sealed record BinaryFile(string Path);
