namespace ItkWasmCluster.Jobs;

/// <summary>One item of a job: an input blob and the result blob it yields.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Index">The item's position in the job.</param>
/// <param name="Input">The input blob's name, relative to the input location.</param>
/// <param name="Output">The result blob's name, relative to the output location.</param>
/// <param name="State">Where it stands.</param>
/// <param name="Attempts">How many times it was claimed.</param>
/// <param name="Error">The last failure's message, if any.</param>
/// <param name="Stderr">The last failing pipeline's standard error, if any.</param>
/// <param name="Duration">How long its last attempt took.</param>
/// <param name="Reused">Whether its result was found already committed (same module, arguments and input), so
/// nothing ran.</param>
public sealed record TaskRecord(
    string JobId, int Index, string Input, string Output, TaskState State, int Attempts, string? Error, string? Stderr, TimeSpan Duration, bool Reused);
