namespace ItkWasmCluster.Jobs;

/// <summary>
/// The items a job runs over: the blobs under <see cref="Location"/> matching <see cref="Include"/> and not
/// <see cref="Exclude"/> (glob patterns over '/'-separated names relative to the location), or the explicit
/// <see cref="Items"/>. Any format <c>@itk-wasm/image-io</c> reads is accepted; ITK-Wasm's own are read natively.
/// </summary>
public sealed record DatasetSpec
{
    /// <summary>The default exclusions: hidden files, and the data files of detached-header formats (MetaImage
    /// <c>.raw</c>/<c>.zraw</c>, Analyze <c>.img</c>), which are read through their header.</summary>
    public static readonly IReadOnlyList<string> DefaultExclude = ["**/.*", "**/.*/**", "**/*.raw", "**/*.zraw", "**/*.img"];

    /// <summary>Gets the directory (or blob prefix) holding the dataset.</summary>
    public required string Location { get; init; }

    /// <summary>Gets the glob patterns of items to take. Default <c>**/*</c>.</summary>
    public IReadOnlyList<string> Include { get; init; } = ["**/*"];

    /// <summary>Gets the glob patterns of items to leave out. Default <see cref="DefaultExclude"/>.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = DefaultExclude;

    /// <summary>Gets an explicit list of item names relative to <see cref="Location"/>; when set, the patterns are
    /// not used.</summary>
    public IReadOnlyList<string>? Items { get; init; }
}
