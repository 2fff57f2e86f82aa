namespace ItkWasmCluster.Jobs;

/// <summary>The content hash of one input at one version.</summary>
/// <param name="Input">The input's identity: its store's description and its name.</param>
/// <param name="Version">Its size and modification time when hashed.</param>
/// <param name="Hash">The SHA-256 of its bytes, lowercase hexadecimal.</param>
public sealed record InputHash(string Input, string Version, string Hash);
