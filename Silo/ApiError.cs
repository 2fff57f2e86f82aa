namespace ItkWasmCluster.Silo;

/// <summary>The body of an error response.</summary>
/// <param name="Error">What is wrong.</param>
/// <param name="Field">The job-spec field at fault, for a 400.</param>
public sealed record ApiError(string Error, string? Field = null);
