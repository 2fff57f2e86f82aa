namespace ItkWasmCluster.Jobs;

/// <summary>
/// What a job does: run <see cref="Stages"/> over every item of <see cref="Input"/>, writing one result per item under
/// <see cref="Output"/>. The same object is read from a JSON or YAML job file (<see cref="JobSpecParser"/>) or built in
/// C#. Immutable; an Orleans type, so it crosses grain calls as it is (JSON and YAML only at the edges).
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.JobSpec")]
public sealed record JobSpec
{
    /// <summary>Gets the job's name, for reports and to find the job again when it is run again.</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary>Gets the input dataset.</summary>
    [Id(1)]
    public required DatasetSpec Input { get; init; }

    /// <summary>Gets the stages, run in order on each item; at least one.</summary>
    [Id(2)]
    public required IReadOnlyList<StageSpec> Stages { get; init => field = Copy(value); }

    /// <summary>Gets where results go, and in which format.</summary>
    [Id(3)]
    public required OutputSpec Output { get; init; }

    /// <summary>Gets how many times a failed item is tried again before it is recorded as failed. Default 2 (three
    /// attempts in all); 0 to 100.</summary>
    [Id(4)]
    public int Retries { get; init; } = 2;

    /// <summary>Gets the deadline for one item's stages together (the spec's <c>itemTimeoutSeconds</c>). Default 10
    /// minutes.</summary>
    [Id(5)]
    public TimeSpan ItemTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Gets how items are split into chunks (the spec's <c>chunking:</c>). Default <see cref="ChunkingSpec.Auto"/>.</summary>
    [Id(6)]
    public ChunkingSpec Chunking { get; init; } = ChunkingSpec.Auto;

    // Lists are kept as arrays: a type Orleans' serializer knows (a collection expression's own type is not), and a copy
    // the caller cannot change afterwards.
    internal static T[] Copy<T>(IEnumerable<T> values) => [.. values ?? throw new ArgumentNullException(nameof(values))];
}
