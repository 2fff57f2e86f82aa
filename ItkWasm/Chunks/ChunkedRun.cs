namespace ItkWasm.Chunks;

/// <summary>
/// Runs one stage over an image by chunks, on the index grid: each chunk is read with its halo
/// (<see cref="ChunkGrid.InputRegion"/>), given origin 0, spacing 1 and the identity direction, run with the rule's
/// chunk arguments, and put in place. The result takes the grid the stage computes for the whole image, from a probe:
/// the stage run once on a small corner of the image (<see cref="ProbeRegion"/>) with the image's own geometry and
/// metadata (a stage of a <see cref="ChunkRule"/> places its output by the input's origin, spacing and direction, not
/// by its size). The pieces serve a cluster that runs each chunk elsewhere; <see cref="RunAsync"/> runs them all here.
/// </summary>
/// <remarks>
/// On the index grid the stage maps each output pixel to its input position exactly, so every chunking of an image,
/// the single chunk included, gives the same bytes. On an image's own grid ITK-Wasm's modules round that mapping
/// differently for each origin, so a chunk would not sample where the whole image does.
/// </remarks>
public static class ChunkedRun
{
    /// <summary>Returns the corner of an input of <paramref name="inputSize"/> the probe runs on: the first bin of a
    /// shrinking stage; for a stage that keeps the grid, the first <c>2 × halo + 1</c> pixels (at most the image).</summary>
    /// <exception cref="ArgumentException">The image is smaller than a bin along some axis.</exception>
    public static ImageRegion ProbeRegion(ChunkRule rule, IReadOnlyList<long> inputSize)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(inputSize);
        if (inputSize.Count != rule.Factors.Count || Enumerable.Range(0, inputSize.Count).Any(d => inputSize[d] < rule.Factors[d]))
        {
            throw new ArgumentException($"an image of [{string.Join(", ", inputSize)}] is smaller than one bin of [{string.Join(", ", rule.Factors)}]", nameof(inputSize));
        }

        return new ImageRegion(new long[inputSize.Count], [.. inputSize.Select((s, d) => rule.Factors[d] > 1 ? rule.Factors[d] : Math.Min(s, (2 * rule.Halo[d]) + 1))]);
    }

    /// <summary>Runs the probe on <paramref name="probe"/> (the <see cref="ProbeRegion"/> of the image, with its own
    /// geometry and metadata) and returns the whole result's header: the probe result's pixel type, origin, spacing,
    /// direction and metadata, and the size the rule gives for <paramref name="inputSize"/>; no pixels.</summary>
    /// <param name="probe">The image's corner; not changed.</param>
    /// <param name="rule">The stage's rule.</param>
    /// <param name="args">The stage's own arguments.</param>
    /// <param name="inputSize">The whole input's size.</param>
    /// <param name="run">Runs the stage once (see <see cref="RunAsync"/>).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<Image> ResultHeaderAsync(Image probe, ChunkRule rule, IReadOnlyList<string> args, IReadOnlyList<long> inputSize, Func<Image, IReadOnlyList<string>, CancellationToken, Task<Image>> run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(run);
        using var result = await run(probe, args, cancellationToken).ConfigureAwait(false);
        var header = new Image(result.ImageType)
        {
            Name = result.Name,
            Origin = [.. result.Origin],
            Spacing = [.. result.Spacing],
            Direction = [.. result.Direction],
            Size = rule.OutputSize(inputSize),
        };
        foreach (var (key, value) in result.Metadata)
        {
            header.Metadata[key] = value;
        }

        return header;
    }

    /// <summary>Runs one chunk: <paramref name="input"/> is the chunk's <see cref="ChunkGrid.InputRegion"/> (read with
    /// its halo), which this method moves onto the index grid (origin 0, spacing 1, identity direction) and runs with
    /// the rule's chunk arguments; a result that still holds the halo is cropped. The caller disposes the result.</summary>
    /// <param name="input">The chunk's input region; its geometry is changed.</param>
    /// <param name="rule">The stage's rule.</param>
    /// <param name="chunk">The chunk, in output pixels.</param>
    /// <param name="type">The result's pixel type (the probe's).</param>
    /// <param name="run">Runs the stage once.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <exception cref="InvalidOperationException">The result is not the size the rule gives, or not of
    /// <paramref name="type"/>: the stage does not follow the rule.</exception>
    public static async Task<Image> RunChunkAsync(Image input, ChunkRule rule, ImageRegion chunk, ImageType type, Func<Image, IReadOnlyList<string>, CancellationToken, Task<Image>> run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(run);
        var dimension = chunk.Dimension;
        (input.Origin, input.Spacing, input.Direction) = (new double[dimension], [.. Enumerable.Repeat(1.0, dimension)], Image.IdentityDirection(dimension));
        var output = await run(input, rule.ChunkArgs, cancellationToken).ConfigureAwait(false);
        if (!rule.CropsHalo && output.Size.SequenceEqual(input.Size) && output.ImageType == type)
        {
            var whole = output;
            try
            {
                output = RegionCopy.Extract(whole, new ImageRegion([.. rule.Halo], [.. chunk.Size]));
            }
            finally
            {
                whole.Dispose();
            }
        }

        if (!output.Size.SequenceEqual(chunk.Size) || output.ImageType != type)
        {
            var message = $"the stage gave [{string.Join(", ", output.Size)}] {output.ImageType} for the chunk {chunk}, where its rule gives [{string.Join(", ", chunk.Size)}] {type}";
            output.Dispose();
            throw new InvalidOperationException(message);
        }

        return output;
    }

    /// <summary>Runs <paramref name="run"/> over <paramref name="input"/> in chunks of <paramref name="chunkSize"/>
    /// output pixels (one chunk when it covers the output). The caller disposes the result.</summary>
    /// <param name="input">The whole image; not changed.</param>
    /// <param name="rule">The stage's rule: factors, halo, chunk arguments.</param>
    /// <param name="args">The stage's own arguments, for the probe.</param>
    /// <param name="chunkSize">Output pixels per chunk, per axis (as the rule <see cref="ChunkRule.Fit">fits</see> it).</param>
    /// <param name="run">Runs the stage once on an image with the given arguments and returns its output image, which
    /// this method disposes.</param>
    /// <param name="header">Returns the result's header for the probe region (with the image's geometry and metadata)
    /// when it is known already, for instance from an earlier image on the same grid; null, or a null answer, runs the
    /// probe. The result is this method's to change.</param>
    /// <param name="cancellationToken">Stops between chunks.</param>
    /// <exception cref="ArgumentException">The image is smaller than a bin along some axis.</exception>
    /// <exception cref="InvalidOperationException">A chunk's result is not the size the rule gives, or not of the
    /// probe's pixel type: the stage does not follow the rule.</exception>
    public static async Task<Image> RunAsync(Image input, ChunkRule rule, IReadOnlyList<string> args, IReadOnlyList<long> chunkSize, Func<Image, IReadOnlyList<string>, CancellationToken, Task<Image>> run, Func<Image, Func<Task<Image>>, Task<Image>>? header = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(rule);
        Image result;
        using (var probe = RegionCopy.Extract(input, ProbeRegion(rule, input.Size)))
        {
            Task<Image> Probe() => ResultHeaderAsync(probe, rule, args, input.Size, run, cancellationToken);
            result = header is null ? await Probe().ConfigureAwait(false) : await header(probe, Probe).ConfigureAwait(false);
            result.Size = rule.OutputSize(input.Size);
        }

        try
        {
            result.Data.Dispose();
            result.Data = DataBuffer.Allocate(result.ByteLength);
            foreach (var chunk in ChunkGrid.Split(result.Size, rule.Fit(chunkSize, result.Size)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var region = RegionCopy.Extract(input, ChunkGrid.InputRegion(chunk, result.Size, input.Size, rule.Factors, rule.Halo));
                using var output = await RunChunkAsync(region, rule, chunk, result.ImageType, run, cancellationToken).ConfigureAwait(false);
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
