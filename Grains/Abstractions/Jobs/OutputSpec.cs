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
