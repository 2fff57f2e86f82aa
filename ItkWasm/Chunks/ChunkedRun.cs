namespace ItkWasm.Chunks;

/// <summary>
/// Runs one stage over an image by chunks, on the index grid: each chunk is read with its halo
/// (<see cref="ChunkGrid.InputRegion"/>, <see cref="RegionCopy.Extract"/>), given origin 0, spacing 1 and the identity
/// direction, run with the rule's chunk arguments, and put in place. The result takes the grid the stage computes for
/// the whole image, from a probe: the stage run once on the image's first bin with the image's own geometry and
/// metadata (a stage of a <see cref="ChunkRule"/> places its output by the input's origin, spacing and direction, not
/// by its size).
/// </summary>
/// <remarks>
/// On the index grid the stage maps each output pixel to its input position exactly, so every chunking of an image,
/// the single chunk included, gives the same bytes. On an image's own grid ITK-Wasm's modules round that mapping
/// differently for each origin, so a chunk would not sample where the whole image does.
/// </remarks>
public static class ChunkedRun
{
    /// <summary>Runs <paramref name="run"/> over <paramref name="input"/> in chunks of <paramref name="chunkSize"/>
    /// output pixels (one chunk when it covers the output). The caller disposes the result.</summary>
    /// <param name="input">The whole image; not changed.</param>
    /// <param name="rule">The stage's rule: factors, halo, chunk arguments.</param>
    /// <param name="args">The stage's own arguments, for the probe.</param>
    /// <param name="chunkSize">Output pixels per chunk, per axis.</param>
    /// <param name="run">Runs the stage once on an image with the given arguments and returns its output image, which
    /// this method disposes.</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    /// <exception cref="ArgumentException">The image is smaller than a bin along some axis.</exception>
    /// <exception cref="InvalidOperationException">A chunk's result is not the size the rule gives, or not of the
    /// probe's pixel type: the stage does not follow the rule.</exception>
    public static async Task<Image> RunAsync(Image input, ChunkRule rule, IReadOnlyList<string> args, IReadOnlyList<long> chunkSize, Func<Image, IReadOnlyList<string>, CancellationToken, Task<Image>> run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(run);
        var dimension = input.Size.Length;
        if (Enumerable.Range(0, dimension).Any(d => input.Size[d] < rule.Factors[d]))
        {
            throw new ArgumentException($"an image of [{string.Join(", ", input.Size)}] is smaller than one bin of [{string.Join(", ", rule.Factors)}]", nameof(input));
        }

        Image result;
        using (var bin = RegionCopy.Extract(input, new ImageRegion(new long[dimension], [.. rule.Factors.Select(f => (long)f)])))
        using (var probe = await run(bin, args, cancellationToken).ConfigureAwait(false))
        {
            result = new Image(probe.ImageType)
            {
                Name = probe.Name,
                Origin = [.. probe.Origin],
                Spacing = [.. probe.Spacing],
                Direction = [.. probe.Direction],
                Size = [.. input.Size.Select((s, d) => s / rule.Factors[d])],
            };
            foreach (var (key, value) in probe.Metadata)
            {
                result.Metadata[key] = value;
            }
        }

        try
        {
            result.Data.Dispose();
            result.Data = DataBuffer.Allocate(result.ByteLength);
            foreach (var chunk in ChunkGrid.Split(result.Size, chunkSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var region = RegionCopy.Extract(input, ChunkGrid.InputRegion(chunk, result.Size, input.Size, rule.Factors, rule.Halo));
                (region.Origin, region.Spacing, region.Direction) = (new double[dimension], [.. Enumerable.Repeat(1.0, dimension)], Image.IdentityDirection(dimension));
                using var output = await run(region, rule.ChunkArgs, cancellationToken).ConfigureAwait(false);
                if (!output.Size.SequenceEqual(chunk.Size) || output.ImageType != result.ImageType)
                {
                    throw new InvalidOperationException($"the stage gave [{string.Join(", ", output.Size)}] {output.ImageType} for the chunk {chunk}, where its rule gives [{string.Join(", ", chunk.Size)}] {result.ImageType}");
                }

                RegionCopy.Insert(result, output, chunk.Index);
            }

            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
