namespace ItkWasmCluster.Jobs;

/// <summary>Where a job's results go: for input <c>a/b/name.ext</c>, <c>a/b/name</c> + <see cref="Format"/> under
/// <see cref="Location"/>, plus the job's report <c>job.json</c>.</summary>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.OutputSpec")]
public sealed record OutputSpec
{
    /// <summary>Gets the directory (or blob prefix) results are written to.</summary>
    [Id(0)]
    public required string Location { get; init; }

    /// <summary>Gets the results' extension, which picks their format. Default <c>.iwi.cbor</c>; any ITK-Wasm or
    /// <c>@itk-wasm/image-io</c> image extension.</summary>
    [Id(1)]
    public string Format { get; init; } = ".iwi.cbor";

    /// <summary>The extension of OME-Zarr results: each result is a folder (or blob prefix) of Zarr objects.</summary>
    public const string OmeZarr = ".ome.zarr";

    /// <summary>Gets the OME-NGFF version of OME-Zarr results: <c>0.4</c> (Zarr v2, the default) or <c>0.5</c> (Zarr
    /// v3).</summary>
    [Id(2)]
    public string Ngff { get; init; } = "0.4";

    /// <summary>Gets the chunk shape of OME-Zarr results, in pixels per axis in ITK's order (x first); null: 128 per
    /// axis for 3D results, 256 for 2D.</summary>
    [Id(3)]
    public IReadOnlyList<long>? Chunks { get; init => field = value is null ? null : JobSpec.Copy(value); }

    /// <summary>Gets the compressor of OME-Zarr results' chunks: <c>zstd</c> (the default), <c>blosc-zstd</c> or
    /// <c>none</c>.</summary>
    [Id(4)]
    public string Compressor { get; init; } = "zstd";

    /// <summary>Gets whether the results are OME-Zarr images.</summary>
    public bool IsOmeZarr => Format.Equals(OmeZarr, StringComparison.OrdinalIgnoreCase);

    private static readonly string[] CompoundExtensions =
    [
        ".iwi.cbor.zst", ".iwi.cbor", ".ome.zarr", ".iwm.cbor.zst", ".iwm.cbor", ".iwt.cbor.zst", ".iwt.cbor", ".nii.gz", ".gipl.gz",
        ".mnc.gz", ".mgh.gz",
    ];

    /// <summary>Returns the result name for input <paramref name="item"/>: its extension replaced by
    /// <see cref="Format"/>. Compound extensions such as <c>.nii.gz</c> and <c>.iwi.cbor</c> count as one.</summary>
    public string ResultName(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var slash = item.LastIndexOf('/');
        var file = item[(slash + 1)..];
        var compound = CompoundExtensions.FirstOrDefault(e => file.EndsWith(e, StringComparison.OrdinalIgnoreCase));
        var dot = file.LastIndexOf('.');
        var stem = compound is not null ? file[..^compound.Length] : dot > 0 ? file[..dot] : file;
        return item[..(slash + 1)] + stem + Format;
    }
}
