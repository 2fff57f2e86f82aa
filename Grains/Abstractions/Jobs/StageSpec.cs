namespace ItkWasmCluster.Jobs;

/// <summary>
/// One stage of a job: a pipeline and its option arguments. The stage's image input and output are filled in from the
/// pipeline's interface (its first image input takes the item, its first image output is the stage's result), so
/// <see cref="Args"/> holds only options, for example <c>--shrink-factors 2 2</c>.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.StageSpec")]
public sealed record StageSpec
{
    /// <summary>Gets the pipeline: a <c>.wasi.wasm</c> path or an npm pipeline such as
    /// <c>@itk-wasm/downsample:downsample</c>.</summary>
    [Id(0)]
    public required string Pipeline { get; init; }

    /// <summary>Gets the arguments for any image dimension not in <see cref="ArgsByDimension"/>.</summary>
    [Id(1)]
    public IReadOnlyList<string> Args { get; init => field = JobSpec.Copy(value); } = Array.Empty<string>();

    /// <summary>Gets arguments by the dimension of the stage's input image, for options that take one value per axis
    /// (<c>--shrink-factors 2 2</c> in 2D, <c>2 2 2</c> in 3D).</summary>
    [Id(2)]
    public IReadOnlyDictionary<int, IReadOnlyList<string>> ArgsByDimension { get; init => field = Copy(value); } = new Dictionary<int, IReadOnlyList<string>>();

    /// <summary>Gets which implementation the stage may run on: <see cref="StageAccelerator.Auto"/> unless the spec
    /// says otherwise.</summary>
    [Id(3)]
    public StageAccelerator Accelerator { get; init; }

    /// <summary>Gets the halo the stage reads around each pixel, in pixels, for a pipeline the project does not know
    /// (the spec's <c>halo: N</c> or <c>halo: [X, Y, Z]</c>): one value for every axis, or one per axis, x first. A
    /// stage with a halo keeps the image's grid and may run by chunks, each read with that margin, which is then cut off
    /// its result. Null: only a known pipeline (<c>@itk-wasm/downsample</c>'s <c>downsample</c> and
    /// <c>downsample-bin-shrink</c>) is chunked.</summary>
    [Id(4)]
    public IReadOnlyList<long>? Halo { get; init => field = value is null ? null : JobSpec.Copy(value); }

    /// <summary>Gets the pyramid the stage makes (the spec's <c>multiscales:</c>), or null for a stage of one result.
    /// Such a stage runs <see cref="MultiscalesSpec.Pipeline"/> once per level, is a job's last, and writes an
    /// OME-Zarr result.</summary>
    [Id(5)]
    public MultiscalesSpec? Multiscales { get; init; }

    private static Dictionary<int, IReadOnlyList<string>> Copy(IReadOnlyDictionary<int, IReadOnlyList<string>> values) =>
        (values ?? throw new ArgumentNullException(nameof(values))).ToDictionary(p => p.Key, p => (IReadOnlyList<string>)JobSpec.Copy(p.Value));

    /// <summary>Returns the arguments for an input image of <paramref name="dimension"/>.</summary>
    public IReadOnlyList<string> ArgsFor(int dimension) =>
        ArgsByDimension.TryGetValue(dimension, out var specific) ? specific : Args;
}
