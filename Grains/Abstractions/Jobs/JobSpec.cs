namespace ItkWasmCluster.Jobs;

/// <summary>
/// What a job does: run <see cref="Stages"/> over every item of <see cref="Input"/>, writing one result per item under
/// <see cref="Output"/>. The same object is read from a JSON or YAML job file (<see cref="JobSpecParser"/>) or built in
/// C#. Immutable.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Gets the job's name, for reports and to find the job again when it is run again.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the input dataset.</summary>
    public required DatasetSpec Input { get; init; }

    /// <summary>Gets the stages, run in order on each item; at least one.</summary>
    public required IReadOnlyList<StageSpec> Stages { get; init; }

    /// <summary>Gets where results go, and in which format.</summary>
    public required OutputSpec Output { get; init; }

    /// <summary>Gets how many times a failed item is tried again before it is recorded as failed. Default 2 (three
    /// attempts in all); 0 to 100.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Gets the deadline for one item's stages together. Default 10 minutes.</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
