namespace ItkWasmCluster.Jobs;

/// <summary>Something that happened to one item.</summary>
/// <param name="Index">The item's position in the job.</param>
/// <param name="Input">Its input name.</param>
/// <param name="Output">Its result name.</param>
/// <param name="Status"><see cref="ItemStatus.Running"/> when an attempt starts; afterwards
/// <see cref="ItemStatus.Succeeded"/>, <see cref="ItemStatus.Failed"/> (no retries left) or
/// <see cref="ItemStatus.Pending"/> (to be retried, or given back uncounted).</param>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="Duration">How long the attempt took (zero when it starts).</param>
/// <param name="Error">The failure's message, if any.</param>
/// <param name="Reused">Whether the result was already committed and nothing ran.</param>
/// <param name="Silo">The silo running (or that ran) the attempt.</param>
/// <param name="ChunksDone">For an item that runs by chunks, how many of its chunks are done.</param>
/// <param name="ChunksTotal">For an item that runs by chunks, how many chunks it has (0: it runs whole).</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.ItemEvent")]
public sealed record ItemEvent(
    [property: Id(0)] int Index,
    [property: Id(1)] string Input,
    [property: Id(2)] string Output,
    [property: Id(3)] ItemStatus Status,
    [property: Id(4)] int Attempt,
    [property: Id(5)] TimeSpan Duration,
    [property: Id(6)] string? Error,
    [property: Id(7)] bool Reused,
    [property: Id(8)] string? Silo,
    [property: Id(9)] int ChunksDone = 0,
    [property: Id(10)] int ChunksTotal = 0);
