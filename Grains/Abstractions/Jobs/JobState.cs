namespace ItkWasmCluster.Jobs;

/// <summary>Where a job stands.</summary>
[GenerateSerializer]
public enum JobState
{
    /// <summary>Items are left to run (also a job that was interrupted and will resume).</summary>
    Running,

    /// <summary>Every item succeeded.</summary>
    Succeeded,

    /// <summary>Every item finished, and at least one failed after its retries.</summary>
    Failed,

    /// <summary>The job was cancelled; it resumes when submitted again.</summary>
    Cancelled,
}
