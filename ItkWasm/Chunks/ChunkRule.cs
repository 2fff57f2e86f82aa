using System.Globalization;
using ItkWasm.Pipelines;

namespace ItkWasm.Chunks;

/// <summary>
/// How a stage runs by chunks: how many input pixels make one output pixel along each axis, the halo a chunk reads
/// beyond its bins, and the arguments a chunk that carries that halo runs with.
/// </summary>
/// <param name="Factors">Per axis, the shrink factor (1: the stage keeps the grid).</param>
/// <param name="Halo">Per axis, the input pixels a chunk reads beyond its bins on each side.</param>
/// <param name="ChunkArgs">The stage's arguments for such a chunk.</param>
/// <param name="CropsHalo">Whether the pipeline, given <paramref name="ChunkArgs"/>, crops the halo off its result itself
/// (<c>downsample</c>'s <c>--crop-radius</c>); otherwise its result covers the halo too, and the halo is cut off.</param>
/// <param name="WholeRows">Whether a chunk must span whole rows (x, axis 0, never split, and no halo along it): for
/// <c>downsample</c>, whose resampling (ITK's <c>ResampleImageFilter::LinearThreadedGenerateData</c>) places each pixel
/// of a row at <c>start + (x / width) · (end − start)</c> between the row's ends, so a row of another width or start
/// rounds its positions differently; along the other axes the positions are exact.</param>
public sealed record ChunkRule(IReadOnlyList<int> Factors, IReadOnlyList<long> Halo, IReadOnlyList<string> ChunkArgs, bool CropsHalo = true, bool WholeRows = false)
{
    /// <summary>Returns the chunk size to use for <paramref name="requested"/> result pixels per axis on a result of
    /// <paramref name="outputSize"/>: at most the result's size, at least 1, and whole rows where the rule needs them.</summary>
    public long[] Fit(IReadOnlyList<long> requested, IReadOnlyList<long> outputSize) =>
        [.. outputSize.Select((s, d) => WholeRows && d == 0 ? Math.Max(1, s) : Math.Clamp(d < requested.Count ? requested[d] : s, 1, Math.Max(1, s)))];

    /// <summary>Returns the size of the stage's result for an input of <paramref name="inputSize"/>: the whole bins
    /// along each axis.</summary>
    public long[] OutputSize(IReadOnlyList<long> inputSize) => [.. inputSize.Select((s, d) => s / Factors[d])];

    /// <summary>Returns the rule of a stage that keeps the grid (an output pixel per input pixel) and reads
    /// <paramref name="halo"/> pixels around each, as a job spec declares it (<c>halo: N</c> or <c>halo: [X, Y, Z]</c>):
    /// its chunks run with the stage's own arguments, and the halo is cut off their results.</summary>
    /// <param name="halo">One value for every axis, or one per axis (x first).</param>
    /// <param name="args">The stage's arguments.</param>
    /// <param name="dimension">The image's dimension.</param>
    /// <exception cref="ArgumentException">The halo has another number of values than 1 or <paramref name="dimension"/>,
    /// or a negative one.</exception>
    public static ChunkRule Declared(IReadOnlyList<long> halo, IReadOnlyList<string> args, int dimension)
    {
        ArgumentNullException.ThrowIfNull(halo);
        if ((halo.Count != 1 && halo.Count != dimension) || halo.Any(h => h < 0))
        {
            throw new ArgumentException($"a halo of [{string.Join(", ", halo)}] does not fit a {dimension}-D image: give one value, or one per axis, each at least 0", nameof(halo));
        }

        return new ChunkRule(new int[dimension].Select(_ => 1).ToArray(), [.. Enumerable.Range(0, dimension).Select(d => halo[halo.Count == 1 ? 0 : d])], [.. args], CropsHalo: false);
    }

    /// <summary>The npm package whose pipelines have known rules.</summary>
    public const string DownsamplePackage = "@itk-wasm/downsample";

    /// <summary>
    /// Returns the rule of a stage whose pipeline the project knows, from the stage's arguments (without the memory-I/O
    /// indices): <c>@itk-wasm/downsample:downsample</c> reads the radius of its Gaussian (<see cref="GaussianOperator"/>)
    /// around each bin and crops it with <c>--crop-radius</c>, by chunks of whole rows (<see cref="WholeRows"/>);
    /// <c>downsample-bin-shrink</c> reads its bins only. Null
    /// for any other pipeline, and for arguments the rule does not cover (no or too few shrink factors, a crop radius of
    /// the stage's own, information only).
    /// </summary>
    public static ChunkRule? Known(PipelineReference pipeline, IReadOnlyList<string> args, int dimension)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(args);
        if (pipeline.Kind != PipelineModuleKind.Npm || pipeline.Location != DownsamplePackage || pipeline.Name is not ("downsample" or "downsample-bin-shrink"))
        {
            return null;
        }

        var factors = new List<int>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("-s" or "--shrink-factors") || factors.Count > 0)
            {
                return null;
            }

            for (; i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var factor) && factor >= 1; i++)
            {
                factors.Add(factor);
            }
        }

        if (factors.Count != dimension)
        {
            return null;
        }

        if (pipeline.Name == "downsample-bin-shrink")
        {
            return new ChunkRule(factors, new long[dimension], [.. args]);
        }

        // Whole rows, so nothing to read beyond the row's ends: the image's own edge is there.
        long[] halo = [.. factors.Select((f, d) => d == 0 ? 0L : GaussianOperator.ForShrinkFactor(f).Length / 2)];
        return new ChunkRule(factors, halo, [.. args, "--crop-radius", .. halo.Select(h => h.ToString(CultureInfo.InvariantCulture))], WholeRows: true);
    }
}
