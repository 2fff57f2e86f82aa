namespace ItkWasmCluster.Jobs;

/// <summary>How an attempt ended.</summary>
/// <param name="State"><see cref="TaskState.Succeeded"/>, <see cref="TaskState.Failed"/> (no retries left), or
/// <see cref="TaskState.Pending"/> (to be retried after <see cref="RetryDelay"/>).</param>
/// <param name="Duration">How long the attempt took.</param>
/// <param name="Error">The failure's message.</param>
/// <param name="Stderr">The failing pipeline's standard error.</param>
/// <param name="RetryDelay">How long until a retry may start, measured on the job store's clock.</param>
/// <param name="Reused">Whether the result was already committed and nothing ran.</param>
/// <param name="ContentKey">For a success: the content key of the committed result, recorded in the same transaction as
/// the completion, so later runs find it.</param>
public sealed record TaskOutcome(
    TaskState State, TimeSpan Duration, string? Error = null, string? Stderr = null, TimeSpan? RetryDelay = null, bool Reused = false,
    string? ContentKey = null);
