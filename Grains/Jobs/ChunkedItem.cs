using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>An item that runs by chunks, in its partition's state: its plan and a record per chunk. It lives from the
/// attempt that planned the item until the commit of its result, or the item's failure.</summary>
[GenerateSerializer]
[Alias("itkwasm.ChunkedItem")]
public sealed class ChunkedItem
{
    /// <summary>Gets or sets the plan.</summary>
    [Id(0)]
    public required ChunkPlan Plan { get; set; }

    /// <summary>Gets or sets the chunks' records, in chunk order.</summary>
    [Id(1)]
    public List<ChunkRecord> Chunks { get; set; } = [];

    /// <summary>Gets how many chunks succeeded.</summary>
    public int Done => Chunks.Count(c => c.Status == ItemStatus.Succeeded);
}

/// <summary>One chunk of an item that runs by chunks: where it stands and how its attempts went (as an
/// <see cref="ItemRecord"/> keeps them for an item).</summary>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.ChunkRecord")]
public sealed record ChunkRecord
{
    /// <summary>Gets where the chunk stands: pending, running or succeeded (a chunk that fails for good fails its item).</summary>
    [Id(0)]
    public ItemStatus Status { get; init; }

    /// <summary>Gets how many attempts ended.</summary>
    [Id(1)]
    public int Attempts { get; init; }

    /// <summary>Gets the silo that ran the last attempt.</summary>
    [Id(2)]
    public string? Silo { get; init; }

    /// <summary>Gets how long the last attempt took.</summary>
    [Id(3)]
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the last failed attempt's error.</summary>
    [Id(4)]
    public string? Error { get; init; }

    /// <summary>Gets how many attempts were lost with the silo that ran them.</summary>
    [Id(5)]
    public int SiloLosses { get; init; }

    /// <summary>Gets which implementation ran the chunk.</summary>
    [Id(6)]
    public string? Implementation { get; init; }
}
