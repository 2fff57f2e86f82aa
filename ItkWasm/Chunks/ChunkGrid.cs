namespace ItkWasm.Chunks;

/// <summary>
/// Cuts a stage's output grid into chunks and gives each chunk the input region it needs, for stages that shrink each
/// axis by a whole factor and read a halo around each output pixel's bin (<c>downsample</c>: the Gaussian's radius;
/// <c>downsample-bin-shrink</c>: none; a filter that keeps the grid: factor 1). Output chunks start at multiples of the
/// chunk size, so their input regions start at multiples of the factors, where the whole image's bins start; the last
/// chunk along an axis also takes the input pixels past the last whole bin, as the whole image has them.
/// </summary>
public static class ChunkGrid
{
    /// <summary>Returns the chunks of an output grid of <paramref name="outputSize"/>: boxes of
    /// <paramref name="chunkSize"/> output pixels (smaller at the far edges), in buffer order (x fastest).</summary>
    /// <exception cref="ArgumentException">The sizes differ in dimension, or a chunk size is below 1.</exception>
    public static IReadOnlyList<ImageRegion> Split(IReadOnlyList<long> outputSize, IReadOnlyList<long> chunkSize)
    {
        ArgumentNullException.ThrowIfNull(outputSize);
        ArgumentNullException.ThrowIfNull(chunkSize);
        if (chunkSize.Count != outputSize.Count || chunkSize.Any(c => c < 1))
        {
            throw new ArgumentException($"a chunk size of [{string.Join(", ", chunkSize)}] does not fit a grid of [{string.Join(", ", outputSize)}]", nameof(chunkSize));
        }

        var dimension = outputSize.Count;
        var counts = Enumerable.Range(0, dimension).Select(d => (outputSize[d] + chunkSize[d] - 1) / chunkSize[d]).ToArray();
        var chunks = new List<ImageRegion>();
        if (counts.Any(c => c == 0))
        {
            return chunks;
        }

        var at = new long[dimension];
        do
        {
            var index = at.Select((n, d) => n * chunkSize[d]).ToArray();
            chunks.Add(new ImageRegion(index, index.Select((i, d) => Math.Min(chunkSize[d], outputSize[d] - i)).ToArray()));
        }
        while (GridIndex.Next(at, counts, 0));
        return chunks;
    }

    /// <summary>Returns the input region a stage reads to compute <paramref name="output"/>: along each axis, the bins of
    /// its output pixels (<paramref name="factors"/> input pixels each), out to the end of the input for a chunk that
    /// ends the output grid, grown by <paramref name="halo"/> on both sides. The region may reach outside the input
    /// (see <see cref="RegionCopy.Extract"/>).</summary>
    /// <param name="output">The chunk, in output pixels.</param>
    /// <param name="outputSize">The whole output grid's size: <c>floor(inputSize / factor)</c> per axis.</param>
    /// <param name="inputSize">The whole input grid's size.</param>
    /// <param name="factors">The shrink factor of each axis (1 for a stage that keeps the grid).</param>
    /// <param name="halo">The input pixels the stage reads beyond a bin, on each side, per axis.</param>
    public static ImageRegion InputRegion(ImageRegion output, IReadOnlyList<long> outputSize, IReadOnlyList<long> inputSize, IReadOnlyList<int> factors, IReadOnlyList<long> halo)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(outputSize);
        ArgumentNullException.ThrowIfNull(inputSize);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(halo);
        var dimension = output.Dimension;
        var index = new long[dimension];
        var size = new long[dimension];
        for (var d = 0; d < dimension; d++)
        {
            var start = output.Index[d] * factors[d];
            var end = output.Index[d] + output.Size[d] == outputSize[d] ? inputSize[d] : (output.Index[d] + output.Size[d]) * factors[d];
            (index[d], size[d]) = (start - halo[d], end - start + (2 * halo[d]));
        }

        return new ImageRegion(index, size);
    }
}
