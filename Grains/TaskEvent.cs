using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>Something that happened to one item.</summary>
/// <param name="Input">The item's input name.</param>
/// <param name="Output">Its result name.</param>
/// <param name="State"><see cref="TaskState.Running"/> when an attempt starts; afterwards <see cref="TaskState.Succeeded"/>,
/// <see cref="TaskState.Failed"/> (no retries left) or <see cref="TaskState.Pending"/> (to be retried).</param>
/// <param name="Attempt">The attempt number.</param>
/// <param name="Duration">How long the attempt took (zero when it starts).</param>
/// <param name="Error">The failure's message, if any.</param>
/// <param name="Reused">Whether the result was already committed and nothing ran.</param>
public sealed record TaskEvent(string Input, string Output, TaskState State, int Attempt, TimeSpan Duration, string? Error, bool Reused);
