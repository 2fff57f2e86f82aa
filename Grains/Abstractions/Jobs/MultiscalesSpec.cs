namespace ItkWasmCluster.Jobs;

/// <summary>
/// A stage that makes a multiscale pyramid (the spec's <c>multiscales: { levels: N, method: ... }</c>): levels 1 to
/// <see cref="Levels"/>, each the ITK-Wasm downsample by 2 along every axis of the level above (level 0 is the stage's
/// input), written together as one OME-Zarr result, as ngff-zarr's methods of the same names make them.
/// </summary>
/// <param name="Levels">How many levels below level 0: 1 to 16.</param>
/// <param name="Method"><c>itkwasm_gaussian</c> (<c>@itk-wasm/downsample:downsample</c>, Gaussian smoothing, for
/// intensity images) or <c>itkwasm_bin_shrink</c> (<c>downsample-bin-shrink</c>, the bins' mean).</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.MultiscalesSpec")]
public sealed record MultiscalesSpec([property: Id(0)] int Levels, [property: Id(1)] string Method = MultiscalesSpec.Gaussian)
{
    /// <summary>ngff-zarr's name of the Gaussian method.</summary>
    public const string Gaussian = "itkwasm_gaussian";

    /// <summary>ngff-zarr's name of the bin-shrink method.</summary>
    public const string BinShrink = "itkwasm_bin_shrink";

    /// <summary>Gets the pipeline that makes each level.</summary>
    public string Pipeline => Method == BinShrink ? "@itk-wasm/downsample:downsample-bin-shrink" : "@itk-wasm/downsample:downsample";

    /// <summary>Returns the stage that makes one level from the level above: the pipeline, shrinking by 2 along every
    /// axis of a 2-D or 3-D image.</summary>
    public StageSpec Stage(StageAccelerator accelerator) => new()
    {
        Pipeline = Pipeline,
        ArgsByDimension = new Dictionary<int, IReadOnlyList<string>> { [2] = ["--shrink-factors", "2", "2"], [3] = ["--shrink-factors", "2", "2", "2"] },
        Accelerator = accelerator,
        Multiscales = this,
    };
}
