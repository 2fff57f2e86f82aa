namespace ItkWasmCluster.Jobs;

/// <summary>A claim on one task: valid until <see cref="Expires"/> unless renewed, and fenced by
/// <see cref="Attempt"/>: a completion is accepted only if the task still carries this attempt number and owner.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Index">The task.</param>
/// <param name="Input">The input blob's name.</param>
/// <param name="Output">The result blob's name.</param>
/// <param name="Attempt">The attempt number, the fencing token.</param>
/// <param name="Owner">The worker (silo) holding the claim.</param>
/// <param name="Expires">When the claim lapses, on the store's clock.</param>
public sealed record TaskLease(string JobId, int Index, string Input, string Output, int Attempt, string Owner, DateTimeOffset Expires);
