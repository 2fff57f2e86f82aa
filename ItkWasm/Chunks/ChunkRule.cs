using System.Globalization;
using ItkWasm.Pipelines;

namespace ItkWasm.Chunks;

/// <summary>
/// How a stage runs by chunks: how many input pixels make one output pixel along each axis, the halo a chunk reads
/// beyond its bins, and the arguments a chunk that carries that halo runs with.
/// </summary>
/// <param name="Factors">Per axis, the shrink factor (1: the stage keeps the grid).</param>
/// <param name="Halo">Per axis, the input pixels a chunk reads beyond its bins on each side.</param>
/// <param name="ChunkArgs">The stage's arguments for such a chunk: the pipeline then crops the halo itself.</param>
public sealed record ChunkRule(IReadOnlyList<int> Factors, IReadOnlyList<long> Halo, IReadOnlyList<string> ChunkArgs)
{
    /// <summary>The npm package whose pipelines have known rules.</summary>
    public const string DownsamplePackage = "@itk-wasm/downsample";

    /// <summary>
    /// Returns the rule of a stage whose pipeline the project knows, from the stage's arguments (without the memory-I/O
    /// indices): <c>@itk-wasm/downsample:downsample</c> reads the radius of its Gaussian (<see cref="GaussianOperator"/>)
    /// around each bin and crops it with <c>--crop-radius</c>; <c>downsample-bin-shrink</c> reads its bins only. Null
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

        long[] halo = [.. factors.Select(f => (long)(GaussianOperator.ForShrinkFactor(f).Length / 2))];
        return new ChunkRule(factors, halo, [.. args, "--crop-radius", .. halo.Select(h => h.ToString(CultureInfo.InvariantCulture))]);
    }
}
