namespace ItkWasmCluster.Jobs;

/// <summary>One item of a job: an input blob, the result blob it yields, and how its attempts went.</summary>
[GenerateSerializer]
[Alias("itkwasm.ItemRecord")]
public sealed record ItemRecord
{
    /// <summary>Gets the item's position in the job (inputs in name order).</summary>
    [Id(0)]
    public required int Index { get; init; }

    /// <summary>Gets the input blob's name, relative to the input location.</summary>
    [Id(1)]
    public required string Input { get; init; }

    /// <summary>Gets the result blob's name, relative to the output location.</summary>
    [Id(2)]
    public required string Output { get; init; }

    /// <summary>Gets the input's version when the item was listed (size and modification time): a changed version makes
    /// a finished item run again.</summary>
    [Id(3)]
    public required string Version { get; init; }

    /// <summary>Gets where the item stands.</summary>
    [Id(4)]
    public ItemStatus Status { get; init; }

    /// <summary>Gets how many attempts ended (attempts cut short by a cancellation or a lost silo do not count).</summary>
    [Id(5)]
    public int Attempts { get; init; }

    /// <summary>Gets the last failed attempt's error.</summary>
    [Id(6)]
    public string? Error { get; init; }

    /// <summary>Gets the last failed attempt's pipeline standard error.</summary>
    [Id(7)]
    public string? Stderr { get; init; }

    /// <summary>Gets how long the last attempt took.</summary>
    [Id(8)]
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the content key of the committed result: the SHA-256 of every stage's module and arguments, the
    /// input's bytes and the output format.</summary>
    [Id(9)]
    public string? ContentKey { get; init; }

    /// <summary>Gets the silo that ran the last attempt.</summary>
    [Id(10)]
    public string? Silo { get; init; }

    /// <summary>Gets whether the result was found already committed under the same content key, so nothing ran.</summary>
    [Id(11)]
    public bool Reused { get; init; }

    /// <summary>Gets the hash of the input's bytes that its store keeps (Azure's Content-MD5, <c>md5:</c>HEX), as
    /// listed with <see cref="Version"/>; null when the store keeps none.</summary>
    [Id(12)]
    public string? InputHash { get; init; }

    /// <summary>Gets which implementation ran each stage in the last attempt that ran them (<c>wasm</c>, <c>simd</c>,
    /// <c>gpu:cuda</c>, <c>gpu:opencl</c>, <c>gpu:cpu</c>), comma-separated in stage order (a string, so that records
    /// compare by value); null before any did, and kept as it was when a result is reused.</summary>
    [Id(13)]
    public string? Implementations { get; init; }

    /// <summary>Gets how long each stage ran in the last attempt that ran them, in seconds, comma-separated in stage
    /// order with invariant digits (see <see cref="Implementations"/>; <see cref="ParseStageSeconds"/> reads it); null
    /// before any did.</summary>
    [Id(14)]
    public string? StageSeconds { get; init; }

    /// <summary>Gets how many attempts were lost with the silo that ran them (it crashed, ran out of memory, or was
    /// declared dead while running the item). They count against the retry budget too, so that an input that kills
    /// its silo fails after the budget instead of killing silo after silo.</summary>
    [Id(15)]
    public int SiloLosses { get; init; }

    /// <summary>Gets the hash of the committed result's bytes, as read back after it was written (Azure's Content-MD5,
    /// <c>md5:</c>HEX, or a file's SHA-256 in lowercase hex): the result is reused only while its bytes still have it.</summary>
    [Id(16)]
    public string? ResultHash { get; init; }

    /// <summary>Gets how many chunks the item runs as (0: it runs whole), once an attempt planned them.</summary>
    [Id(17)]
    public int ChunksTotal { get; init; }

    /// <summary>Gets how many of its chunks are done.</summary>
    [Id(18)]
    public int ChunksDone { get; init; }

    /// <summary>Gets the input's length in bytes, as listed with <see cref="Version"/> (0: not known).</summary>
    [Id(19)]
    public long InputLength { get; init; }

    /// <summary>Writes stage durations in the form of <see cref="StageSeconds"/> (microsecond resolution).</summary>
    public static string FormatStageSeconds(IEnumerable<TimeSpan> durations) =>
        string.Join(',', durations.Select(d => Math.Round(d.TotalSeconds, 6).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Reads <see cref="StageSeconds"/>: one duration in seconds per stage, or none when it is null.</summary>
    /// <exception cref="FormatException">It is not in the form <see cref="FormatStageSeconds"/> writes.</exception>
    public static double[] ParseStageSeconds(string? stageSeconds) => stageSeconds is null
        ? []
        : [.. stageSeconds.Split(',').Select(s => double.Parse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture))];
}
