namespace ItkWasmCluster.Jobs;

/// <summary>One item found in a job's dataset.</summary>
/// <param name="Input">The input blob's name.</param>
/// <param name="Output">The result blob's name.</param>
/// <param name="Version">The input's version (size and modification time): a changed version makes a finished item
/// pending again.</param>
public sealed record TaskItem(string Input, string Output, string Version);
