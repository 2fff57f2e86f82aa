namespace ItkWasm.Runtime.Wasmtime;

/// <summary>What a module cache did so far.</summary>
/// <param name="Compiled">Modules compiled from their bytes.</param>
/// <param name="LoadedFromDisk">Modules loaded from an artifact on disk instead of compiled.</param>
/// <param name="ArtifactsReplaced">Artifacts found corrupt, truncated or unusable by this engine, and recompiled.</param>
public sealed record ModuleCacheStatistics(long Compiled, long LoadedFromDisk, long ArtifactsReplaced);
