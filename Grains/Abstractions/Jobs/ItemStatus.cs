namespace ItkWasmCluster.Jobs;

/// <summary>Where one item of a job stands.</summary>
[GenerateSerializer]
public enum ItemStatus
{
    /// <summary>Waiting to run (first run, retry after backoff, or resumed after an interruption).</summary>
    Pending,

    /// <summary>An attempt is in flight.</summary>
    Running,

    /// <summary>Its result is committed.</summary>
    Succeeded,

    /// <summary>Its attempts are spent; the last one's error is kept.</summary>
    Failed,
}
