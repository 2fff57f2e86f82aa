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

    private static Dictionary<int, IReadOnlyList<string>> Copy(IReadOnlyDictionary<int, IReadOnlyList<string>> values) =>
        (values ?? throw new ArgumentNullException(nameof(values))).ToDictionary(p => p.Key, p => (IReadOnlyList<string>)JobSpec.Copy(p.Value));

    /// <summary>Returns the arguments for an input image of <paramref name="dimension"/>.</summary>
    public IReadOnlyList<string> ArgsFor(int dimension) =>
        ArgsByDimension.TryGetValue(dimension, out var specific) ? specific : Args;
}
