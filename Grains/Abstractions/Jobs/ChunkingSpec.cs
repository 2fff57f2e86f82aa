namespace ItkWasmCluster.Jobs;

/// <summary>
/// How a job splits items into chunks (the spec's <c>chunking:</c>): <c>auto</c> (the default) chunks an item whose
/// pixel buffer is larger than <see cref="AutoThresholdBytes"/>, in slabs of about <see cref="AutoChunkBytes"/>, where
/// it can (an item it cannot chunk runs whole up to <see cref="MustChunkBytes"/>, and fails beyond);
/// <c>off</c> never chunks; <c>{ size: [X, Y, Z] }</c> chunks every item that its stage can chunk, in chunks of that
/// many input pixels per axis (ITK's index order, x first; an axis without a value is not split). A chunked item's
/// result is byte for byte the unchunked one's.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.ChunkingSpec")]
public sealed record ChunkingSpec
{
    /// <summary>The pixel buffer, in bytes, above which <c>auto</c> chunks an item: 256 MiB, a 16th of the 4 GiB a
    /// wasm32 module can address (a stage holds its input, its output and its working images, which for ITK's
    /// smoothing filters are float32: 4 times a uint8 input).</summary>
    public const long AutoThresholdBytes = 256L << 20;

    /// <summary>The pixel buffer, in bytes, above which <c>auto</c> fails an item it cannot chunk (a job of several
    /// stages, a pipeline without a known or declared halo, an output format other than <c>.iwi.cbor</c>) rather than run
    /// it whole: 1 GiB, where a wasm32 module already fails whole (measured: <c>downsample</c> of a 1 GiB uint8 volume
    /// traps). Below it such an item runs whole.</summary>
    public const long MustChunkBytes = 1L << 30;

    /// <summary>The input pixels, in bytes, of one chunk that <c>auto</c> makes: 64 MiB (the module that runs it holds
    /// its float32 working images and its output besides).</summary>
    public const long AutoChunkBytes = 64L << 20;

    /// <summary>Gets the default: chunk the items that are too large to run whole.</summary>
    public static ChunkingSpec Auto { get; } = new();

    /// <summary>Gets the setting that never chunks.</summary>
    public static ChunkingSpec Off { get; } = new() { Enabled = false };

    /// <summary>Gets whether items may be chunked at all.</summary>
    [Id(0)]
    public bool Enabled { get; init; } = true;

    /// <summary>Gets the chunk size in input pixels per axis (x first), or null for <c>auto</c>.</summary>
    [Id(1)]
    public IReadOnlyList<long>? Size { get; init => field = value is null ? null : JobSpec.Copy(value); }

    /// <inheritdoc/>
    public bool Equals(ChunkingSpec? other) =>
        other is not null && Enabled == other.Enabled && (Size is null ? other.Size is null : other.Size is not null && Size.SequenceEqual(other.Size));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Enabled, Size?.Count);

    /// <inheritdoc/>
    public override string ToString() => !Enabled ? "off" : Size is null ? "auto" : $"size [{string.Join(", ", Size)}]";
}
