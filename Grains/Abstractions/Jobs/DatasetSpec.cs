namespace ItkWasmCluster.Jobs;

/// <summary>
/// The items a job runs over: the blobs under <see cref="Location"/> matching <see cref="Include"/> and not
/// <see cref="Exclude"/> (glob patterns over '/'-separated names relative to the location), or the explicit
/// <see cref="Items"/>. Any format <c>@itk-wasm/image-io</c> reads is accepted; ITK-Wasm's own and OME-Zarr images
/// (folders named <c>*.zarr</c>) are read natively.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.DatasetSpec")]
public sealed record DatasetSpec
{
    /// <summary>The default exclusions: hidden files, and the data files of detached-header formats (MetaImage
    /// <c>.raw</c>/<c>.zraw</c>, Analyze <c>.img</c>), which are read through their header.</summary>
    public static readonly IReadOnlyList<string> DefaultExclude = new[] { "**/.*", "**/.*/**", "**/*.raw", "**/*.zraw", "**/*.img" };

    /// <summary>Gets the directory (or blob prefix) holding the dataset.</summary>
    [Id(0)]
    public required string Location { get; init; }

    /// <summary>Gets the glob patterns of items to take. Default <c>**/*</c>.</summary>
    [Id(1)]
    public IReadOnlyList<string> Include { get; init => field = JobSpec.Copy(value); } = new[] { "**/*" };

    /// <summary>Gets the glob patterns of items to leave out. Default <see cref="DefaultExclude"/>.</summary>
    [Id(2)]
    public IReadOnlyList<string> Exclude { get; init => field = JobSpec.Copy(value); } = DefaultExclude;

    /// <summary>Gets an explicit list of item names relative to <see cref="Location"/>; when set, the patterns are
    /// not used.</summary>
    [Id(3)]
    public IReadOnlyList<string>? Items { get; init => field = value is null ? null : JobSpec.Copy(value); }

    /// <summary>Gets the resolution level read from OME-Zarr items: 0 (the default) is the highest resolution, each
    /// next one the next dataset of the image's <c>multiscales</c>.</summary>
    [Id(4)]
    public int Level { get; init; }
}
