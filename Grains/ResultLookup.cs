namespace ItkWasmCluster.Grains;

/// <summary>Returns the result blobs recorded for <paramref name="contentKeys"/>, by content key; keys with no result
/// are absent.</summary>
internal delegate Task<IReadOnlyDictionary<string, string>> ResultLookup(IReadOnlyCollection<string> contentKeys, CancellationToken cancellationToken);
