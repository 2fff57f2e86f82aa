namespace ItkWasmCluster.Jobs;

/// <summary>Where one item (task) of a job stands.</summary>
public enum TaskState
{
    /// <summary>Waiting to be claimed (first run, retry after backoff, or resumed after an interruption).</summary>
    Pending,

    /// <summary>Claimed by a worker under a lease.</summary>
    Running,

    /// <summary>Its result is committed.</summary>
    Succeeded,

    /// <summary>It failed on every attempt of its retry budget.</summary>
    Failed,
}
