namespace ItkWasmCluster.Grains.Jobs;

/// <summary>A partition's persistent state.</summary>
[GenerateSerializer]
public sealed class PartitionState
{
    /// <summary>Gets or sets the job's spec as JSON.</summary>
    [Id(0)]
    public string SpecJson { get; set; } = string.Empty;

    /// <summary>Gets or sets the items, in index order.</summary>
    [Id(1)]
    public List<ItemRecord> Items { get; set; } = [];

    /// <summary>Gets or sets whether the partition was started and not stopped: a reactivated partition resumes.</summary>
    [Id(2)]
    public bool Running { get; set; }
}
