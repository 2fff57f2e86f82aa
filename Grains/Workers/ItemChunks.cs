using System.Diagnostics;
using System.Globalization;
using ItkWasm;
using ItkWasm.Chunks;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// The three steps of an item that runs by chunks (a job of one stage with a <see cref="ChunkRule"/>, an input in an
/// uncompressed <c>.iwi.cbor</c> or a raw MetaImage or NRRD file in a folder, a result in an <c>.iwi.cbor</c>): the plan (the chunk grid, and the result's header from a probe run
/// on the input's corner; the result's assembly prepared, its prefix written), each chunk (its input region read by
/// ranges with its halo, the stage run on it, its pixels written into the assembly at their place), and the commit
/// (the assembly made the result, at once). Which items run by chunks is the job's <see cref="ChunkingSpec"/>. Any
/// silo runs any step; the partition keeps each chunk's record. Thread-safe.
/// </summary>
internal sealed class ItemChunks(JobSpec spec, IBlobStore input, IBlobStore output, StagePlan[] stages, ImageIo imageIo)
{
    /// <summary>Returns whether the input <paramref name="name"/> of <paramref name="length"/> bytes (0: not known) may
    /// run by chunks, so that its layout is worth reading: an uncompressed <c>.iwi.cbor</c>, when the job sets a chunk
    /// size or the file may hold more pixels than <c>auto</c> runs whole.</summary>
    public bool MayChunk(string name, long length) =>
        spec.Chunking.Enabled
        && ((ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Cbor } && (spec.Chunking.Size is not null || length is 0 || length > ChunkingSpec.AutoThresholdBytes))
            || (RawImageHeader.IsRawFormat(name) && input.GetLocalPath(name) is not null));

    /// <summary>Returns the layout of an input stored as an uncompressed <c>.iwi.cbor</c> (read by a range), or as a
    /// raw-backed MetaImage or NRRD file in a folder (<see cref="RawImageHeader"/>; its geometry and metadata from the
    /// image-io reader's header-only read, when the job may chunk it); null for any other form.</summary>
    public async Task<ImageLayout?> LayoutAsync(string name, CancellationToken cancellationToken)
    {
        return ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Cbor }
            ? await CborLayoutAsync(input, name, cancellationToken).ConfigureAwait(false)
            : RawImageHeader.IsRawFormat(name) && input.GetLocalPath(name) is { } path ? await RawLayoutAsync(name, path, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Returns the layout of the uncompressed <c>.iwi.cbor</c> blob <paramref name="name"/> of
    /// <paramref name="store"/>, read by a range.</summary>
    public static async Task<ImageLayout> CborLayoutAsync(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenRangedReadAsync(name, cancellationToken).ConfigureAwait(false);
        return ImageLayout.ReadCbor(stream, name);
    }

    private async Task<ImageLayout?> RawLayoutAsync(string name, string path, CancellationToken cancellationToken)
    {
        var start = new byte[RawImageHeader.MaxHeaderBytes];
        int read;
        await using (var file = File.OpenRead(path))
        {
            read = await file.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        if (RawImageHeader.Parse(start.AsSpan(0, read)) is not { } raw || (spec.Chunking.Size is null && raw.Bytes <= ChunkingSpec.AutoThresholdBytes))
        {
            return null; // not one raw buffer, or small enough that auto runs it whole: not worth the header read
        }

        var data = raw.DataFile is null ? name : name[..(name.LastIndexOf('/') + 1)] + raw.DataFile;
        long length;
        try
        {
            length = (await input.GetPropertiesAsync(data, cancellationToken).ConfigureAwait(false))?.Length ?? -1;
        }
        catch (Exception e) when (e is ArgumentException or UnauthorizedAccessException)
        {
            return null; // a data file outside the dataset is not read
        }

        var offset = raw.Offset == -1 ? length - raw.Bytes : raw.Offset;
        if (length < 0 || offset < 0 || offset + raw.Bytes > length)
        {
            return null;
        }

        // The header read runs a module: once per file version, not once per chunk.
        var version = $"{path}|{File.GetLastWriteTimeUtc(path).Ticks}|{read}|{length}";
        if (rawLayouts.TryGetValue(version, out var known))
        {
            return known;
        }

        using var information = await imageIo.ReadInformationAsync(path, cancellationToken).ConfigureAwait(false);
        var header = new Image(information.ImageType) { Name = information.Name, Origin = information.Origin, Spacing = information.Spacing, Direction = information.Direction, Size = information.Size };
        foreach (var (key, value) in information.Metadata)
        {
            header.Metadata[key] = value;
        }

        var layout = header.ByteLength == raw.Bytes ? new ImageLayout(header, offset, raw.DataFile is null ? null : data) : null;
        if (rawLayouts.Count >= 64)
        {
            rawLayouts.Clear();
        }

        rawLayouts[version] = layout;
        return layout;
    }

    // Raw MetaImage and NRRD layouts by header file version; their headers are never changed once made.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ImageLayout?> rawLayouts = new(StringComparer.Ordinal);

    /// <summary>Returns the chunk size (in result pixels per axis) the item runs by, or null when it runs whole: an
    /// input without a <see cref="LayoutAsync">layout</see> always runs whole (it is refused when it is too large to
    /// read).</summary>
    /// <param name="layout">The input's layout, or null when it has none.</param>
    /// <exception cref="StageException">The item must run by chunks (it is larger than <c>auto</c> runs whole, or the
    /// job sets a chunk size) and cannot; the message says why and what to change.</exception>
    public long[]? Decide(ImageLayout? layout)
    {
        var chunking = spec.Chunking;
        if (layout is null || !chunking.Enabled || (chunking.Size is null && layout.Header.ByteLength <= ChunkingSpec.AutoThresholdBytes))
        {
            return null;
        }

        // Under auto, an item that cannot be chunked still runs whole while a module may hold it; past that, and
        // whenever the job sets a chunk size, it fails saying why.
        var must = chunking.Size is not null || layout.Header.ByteLength > ChunkingSpec.MustChunkBytes;
        var why = chunking.Size is null
            ? $"the item's pixel buffer ({layout.Header.ByteLength} bytes) is larger than a wasm32 module can run whole ({ChunkingSpec.MustChunkBytes} bytes)"
            : $"the job sets chunking: {chunking}";
        if (stages.Length != 1)
        {
            return must ? throw new StageException(0, $"{why}, and only a job of one stage runs by chunks: split the job into one job per stage, or set chunking: off to run the item whole") : null;
        }

        if (ItkWasmPath.TryParse("x" + spec.Output.Format) is not { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Cbor })
        {
            return must ? throw new StageException(0, $"{why}, and a result assembled from chunks is written as .iwi.cbor: set output.format: .iwi.cbor, or chunking: off to run the item whole") : null;
        }

        var size = layout.Header.Size;
        if (stages[0].RuleFor(size.Length) is not { } rule)
        {
            return must ? throw new StageException(0, $"{why}, and the stage {stages[0].Spec.Pipeline} has no known halo: declare the pixels it reads around each pixel with halo: N (or halo: [X, Y, Z]) on the stage, or set chunking: off to run the item whole") : null;
        }

        if (Enumerable.Range(0, size.Length).Any(d => size[d] < rule.Factors[d]))
        {
            return null; // smaller than a bin: the stage's own answer, whole
        }

        var inputChunk = chunking.Size is { } given
            ? [.. size.Select((s, d) => d < given.Count ? Math.Min(s, given[d]) : s)]
            : AutoChunk(size, layout.PixelBytes, rule.Factors);
        return rule.Fit([.. inputChunk.Select((c, d) => Math.Max(1, c / rule.Factors[d]))], rule.OutputSize(size));
    }

    // Slabs: the lowest axes whole while the chunk stays within AutoChunkBytes, the next axis cut to fit (at least one
    // bin), the higher ones one bin.
    private static long[] AutoChunk(long[] size, int pixelBytes, IReadOnlyList<int> factors)
    {
        var chunk = size.ToArray();
        var bytes = (long)pixelBytes;
        for (var d = 0; d < size.Length; d++)
        {
            if (bytes * size[d] > ChunkingSpec.AutoChunkBytes)
            {
                chunk[d] = Math.Max(factors[d], ChunkingSpec.AutoChunkBytes / bytes / factors[d] * factors[d]);
                for (var e = d + 1; e < size.Length; e++)
                {
                    chunk[e] = factors[e];
                }

                break;
            }

            bytes *= size[d];
        }

        return chunk;
    }

    /// <summary>Plans the item: runs the probe for the result's header, prepares the result's assembly and writes its
    /// prefix.</summary>
    public async Task<ChunkPlan> PlanAsync(string inputName, string outputName, ImageLayout layout, long[] chunkSize, string contentKey, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        var stage = stages[0];
        var size = layout.Header.Size;
        var rule = stage.RuleFor(size.Length)!;
        Image header;
        await using (var stream = await input.OpenRangedReadAsync(layout.DataFile ?? inputName, cancellationToken).ConfigureAwait(false))
        using (var probe = layout.ReadRegion(stream, ChunkedRun.ProbeRegion(rule, size)))
        {
            header = await stage.ResultHeaderAsync(probe, () => ChunkedRun.ResultHeaderAsync(probe, rule, stage.Spec.ArgsFor(size.Length), size, Run(stage, attempt), cancellationToken)).ConfigureAwait(false);
            header.Size = rule.OutputSize(size);
        }

        using (header)
        {
            var (result, prefix) = ImageLayout.ForCbor(header);
            var plan = new ChunkPlan(contentKey, size, header.Size, chunkSize, ChunkGrid.Split(header.Size, chunkSize).Count, ChunkPlan.TypeText(header.ImageType), result.DataOffset);
            var assembly = output.OpenAssembly(outputName, plan.AssemblyId);
            await assembly.PrepareAsync(result.Length, cancellationToken).ConfigureAwait(false);
            await assembly.WriteAsync(0, new MemoryStream(prefix, writable: false), prefix.Length, cancellationToken).ConfigureAwait(false);
            return plan;
        }
    }

    /// <summary>Runs chunk <paramref name="n"/> of <paramref name="plan"/> and writes its pixels into the result's
    /// assembly.</summary>
    /// <returns>Which implementation ran the stage.</returns>
    /// <exception cref="InvalidOperationException">The input is no longer the one planned, or the stage broke its rule.</exception>
    public async Task<string> RunChunkAsync(string inputName, string outputName, ChunkPlan plan, int n, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        var stage = stages[0];
        var chunk = plan.Chunk(n);
        var result = plan.OutputLayout();
        var implementation = StageImplementations.Wasm;
        Image pixels;
        var layout = await LayoutAsync(inputName, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{inputName} can no longer be read by chunks (it changed since its chunks were planned); the item runs again when the job does");
        await using (var stream = await input.OpenRangedReadAsync(layout.DataFile ?? inputName, cancellationToken).ConfigureAwait(false))
        {
            if (!layout.Header.Size.SequenceEqual(plan.InputSize))
            {
                throw new InvalidOperationException($"{inputName} is [{string.Join(", ", layout.Header.Size)}] now, not the [{string.Join(", ", plan.InputSize)}] its chunks were planned for; the item runs again when the job does");
            }

            var rule = stage.RuleFor(plan.InputSize.Length)!;
            using var region = layout.ReadRegion(stream, ChunkGrid.InputRegion(chunk, plan.OutputSize, plan.InputSize, rule.Factors, rule.Halo));
            try
            {
                pixels = await ChunkedRun.RunChunkAsync(region, rule, chunk, result.Header.ImageType, Run(stage, attempt, ran => implementation = ran), cancellationToken).ConfigureAwait(false);
            }
            catch (PipelineRunException e) when (ItemRunner.OutOfMemory(e, region.ByteLength, spec.Chunking, chunked: true) is { } explained)
            {
                throw explained;
            }
        }

        using (pixels)
        {
            var assembly = output.OpenAssembly(outputName, plan.AssemblyId);
            foreach (var (fileOffset, regionOffset, length) in result.Runs(chunk))
            {
                await using var part = pixels.Data.OpenStream(regionOffset, length);
                await assembly.WriteAsync(fileOffset, part, length, cancellationToken).ConfigureAwait(false);
            }
        }

        return implementation;
    }

    /// <summary>Commits the assembled result of <paramref name="plan"/>.</summary>
    /// <returns>The hash of the result's bytes, as <see cref="ItemResult.ResultHash"/> records it.</returns>
    public async Task<string> CommitAsync(string outputName, ChunkPlan plan, CancellationToken cancellationToken)
    {
        var blob = await output.OpenAssembly(outputName, plan.AssemblyId).CommitAsync(plan.Parts(), plan.OutputLayout().Length, cancellationToken).ConfigureAwait(false);
        return blob.ContentHash ?? await BlobContent.Sha256Async(output, outputName, cancellationToken).ConfigureAwait(false);
    }

    // Runs the stage once within the item's deadline, telling which implementation ran.
    private Func<Image, IReadOnlyList<string>, CancellationToken, Task<Image>> Run(StagePlan stage, (string Silo, int Number, ActivityContext Trace) attempt, Action<string>? ran = null) =>
        async (image, args, ct) =>
        {
            var (output, implementation) = await stage.RunAsync(image, new PipelineRunOptions { Timeout = spec.ItemTimeout }, attempt, ct, args).ConfigureAwait(false);
            ran?.Invoke(implementation);
            return output;
        };

    /// <summary>Formats a chunk for messages: <c>chunk N of M ([index] + [size])</c>.</summary>
    public static string Describe(ChunkPlan plan, int n) =>
        string.Create(CultureInfo.InvariantCulture, $"chunk {n + 1} of {plan.Count} ({plan.Chunk(n)})");
}
