using System.Diagnostics;
using System.Globalization;
using ItkWasm;
using ItkWasm.Chunks;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Zarr;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// The three steps of an item that runs by chunks (a job of one stage with a <see cref="ChunkRule"/>; an input in an
/// <c>.iwi.cbor</c> or an <c>.iwi</c> directory, or an <c>.iwi.cbor.zst</c> (decompressed once, streaming, into a hidden blob beside the result:
/// <see cref="SpillAsync"/>), or a raw MetaImage or NRRD file; a result in an <c>.iwi.cbor</c>): the plan
/// (the chunk grid, and the result's header from a probe run on the input's corner; the result's assembly prepared, its
/// prefix written), each chunk (its input region read by ranges with its halo, the stage run on it, its pixels written
/// into the assembly at their place), and the commit (the assembly made the result, at once). Which items run by chunks is the job's <see cref="ChunkingSpec"/>. Any
/// silo runs any step; the partition keeps each chunk's record. Thread-safe.
/// </summary>
internal sealed class ItemChunks(JobSpec spec, IBlobStore input, IBlobStore output, StagePlan[] stages, ImageIo imageIo, ZarrResults? zarr = null)
{
    /// <summary>Returns whether the input <paramref name="name"/> of <paramref name="length"/> bytes (0: not known) may
    /// run by chunks, so that its layout is worth reading: an uncompressed <c>.iwi.cbor</c> or an <c>.iwi</c>
    /// directory, when the job sets a chunk size or it may hold more pixels than <c>auto</c> runs whole; a raw
    /// MetaImage or NRRD file (its first bytes tell); an OME-Zarr image.</summary>
    public bool MayChunk(string name, long length) =>
        spec.Chunking.Enabled
        && ((ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Cbor or ItkWasmFileForm.Directory } && (spec.Chunking.Size is not null || length is 0 || length > ChunkingSpec.AutoThresholdBytes))
            || RawImageHeader.IsRawFormat(name)
            || DirectoryItems.IsZarr(name));

    /// <summary>Returns how an input is read by regions: an uncompressed <c>.iwi.cbor</c>, an <c>.iwi</c> directory or a
    /// raw-backed MetaImage or NRRD file (<see cref="RawImageHeader"/>; its geometry and metadata from the image-io
    /// reader's header-only read, when the job may chunk it) by ranges; an OME-Zarr image (<see cref="OmeZarrImage"/>,
    /// the job's <see cref="DatasetSpec.Level"/>) by its chunks. Null for any other form.</summary>
    public async Task<ChunkSource?> SourceAsync(string name, CancellationToken cancellationToken)
    {
        if (DirectoryItems.IsZarr(name))
        {
            return await ChunkSource.OpenZarrAsync(new BlobZarrStore(input, name), spec.Input.Level, cancellationToken).ConfigureAwait(false);
        }

        var layout = ItkWasmPath.TryParse(name) switch
        {
            { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Cbor } => await CborLayoutAsync(input, name, cancellationToken).ConfigureAwait(false),
            { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Directory } => await DirectoryLayoutAsync(input, name, cancellationToken).ConfigureAwait(false),
            _ => RawImageHeader.IsRawFormat(name) ? await RawLayoutAsync(name, cancellationToken).ConfigureAwait(false) : null,
        };
        return layout is null ? null : ChunkSource.Of(layout, input, name);
    }

    /// <summary>Returns the layout of the <c>.iwi</c> directory <paramref name="name"/> of <paramref name="store"/>
    /// (<see cref="DirectoryItems"/>): its pixels are its <c>data/data.raw</c> blob. Null when a part is missing
    /// or of another length than the index declares (the whole read then says which).</summary>
    /// <exception cref="ItkWasmFormatException">The index or the direction is malformed.</exception>
    public static async Task<ImageLayout?> DirectoryLayoutAsync(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        var index = await ReadSmallAsync(store, $"{name}/index.json", 64 << 20, cancellationToken).ConfigureAwait(false);
        var direction = await ReadSmallAsync(store, $"{name}/data/direction.raw", 8 * 64, cancellationToken).ConfigureAwait(false);
        if (index is null || direction is null)
        {
            return null;
        }

        var layout = ImageLayout.ReadDirectory(index, direction, name, $"{name}/data/data.raw");
        return (await store.GetPropertiesAsync(layout.DataFile!, cancellationToken).ConfigureAwait(false))?.Length == layout.Header.ByteLength ? layout : null;
    }

    // The bytes of a small blob, or null when it is missing or larger than maxBytes.
    private static async Task<byte[]?> ReadSmallAsync(IBlobStore store, string name, int maxBytes, CancellationToken cancellationToken)
    {
        if (await store.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is not { } blob || blob.Length > maxBytes)
        {
            return null;
        }

        await using var stream = await store.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        var bytes = new byte[blob.Length];
        await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        return bytes;
    }

    /// <summary>Returns whether the input <paramref name="name"/> is compressed as one stream, to decompress into a
    /// <see cref="SpillAsync">spill</see> and run by chunks: an <c>.iwi.cbor.zst</c> whose document (the content size
    /// its zstd frame records, ITKWASM-SPEC §3.4), or a MetaImage or NRRD file whose pixels (zlib or gzip,
    /// <see cref="RawImageHeader"/>), are larger than <c>auto</c> runs whole, or any when the job sets a chunk size;
    /// and the job may run by chunks at all (one stage, an <c>.iwi.cbor</c> result). Reads the file's first bytes
    /// only.</summary>
    public async Task<bool> MaySpillAsync(string name, CancellationToken cancellationToken)
    {
        if (!spec.Chunking.Enabled || stages.Length != 1 || !CborResult)
        {
            return false;
        }

        if (RawImageHeader.IsRawFormat(name))
        {
            return await RawHeaderAsync(name, cancellationToken).ConfigureAwait(false) is { Raw.Compression: not "none" };
        }

        if (ItkWasmPath.TryParse(name) is not { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.CborZstd })
        {
            return false;
        }

        var head = new byte[18]; // a zstd frame header's longest form
        int read;
        await using (var stream = await input.OpenRangedReadAsync(name, cancellationToken).ConfigureAwait(false))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            return ImageLayout.ZstdDocumentLength(head.AsSpan(0, read)) is not { } content || spec.Chunking.Size is not null || content > ChunkingSpec.AutoThresholdBytes;
        }
        catch (InvalidDataException)
        {
            return false; // not zstd: the whole read reports it
        }
    }

    /// <summary>Decompresses the input <paramref name="inputName"/> (<see cref="MaySpillAsync"/>) once, streaming
    /// (memory: the decompressor's window and a copy buffer), into an <c>.iwi.cbor</c> in a hidden blob beside the
    /// result (<see cref="BlobTemporaries"/>, named by the item's content key, so a retry finds it made; removed by the
    /// commit, or with the job's temporaries), whose chunks are then read by ranges like an <c>.iwi.cbor</c> input's. A
    /// MetaImage or NRRD file's geometry and metadata are its header-only read's.</summary>
    /// <returns>The spill's name in the output store, and how it is read.</returns>
    /// <exception cref="InvalidDataException">The compressed pixels are fewer than the header declares.</exception>
    public async Task<(string Name, ChunkSource Source)> SpillAsync(string inputName, string outputName, string contentKey, CancellationToken cancellationToken)
    {
        var name = BlobTemporaries.Name(outputName, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("input " + contentKey)))[..32]);
        if (await output.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is null)
        {
            Func<Stream, CancellationToken, Task> write;
            if (RawImageHeader.IsRawFormat(inputName))
            {
                var found = await RawHeaderAsync(inputName, cancellationToken).ConfigureAwait(false) ?? throw new InvalidOperationException($"{inputName} changed while it was planned");
                var geometry = await RawGeometryAsync(inputName, found, cancellationToken).ConfigureAwait(false);
                if (geometry is null || geometry.ByteLength != found.Raw.Bytes)
                {
                    throw new InvalidDataException($"{inputName}: its header declares {found.Raw.Bytes} bytes of pixels, but ITK reads an image of {geometry?.ByteLength} bytes");
                }

                var prefix = ImageLayout.ForCbor(geometry).Prefix;
                write = async (stream, ct) =>
                {
                    await stream.WriteAsync(prefix, ct).ConfigureAwait(false);
                    await using var data = await input.OpenReadAsync(found.Data, ct).ConfigureAwait(false);
                    await data.ReadExactlyAsync(new byte[found.Offset], ct).ConfigureAwait(false); // the header: read in order, not by ranges
                    await using Stream pixels = found.Raw.Compression == "zlib"
                        ? new System.IO.Compression.ZLibStream(data, System.IO.Compression.CompressionMode.Decompress)
                        : new System.IO.Compression.GZipStream(data, System.IO.Compression.CompressionMode.Decompress);
                    var buffer = new byte[1 << 20];
                    for (var left = found.Raw.Bytes; left > 0;)
                    {
                        var read = await pixels.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
                        if (read == 0)
                        {
                            throw new InvalidDataException($"{inputName}: its compressed pixels end {left} bytes short of the {found.Raw.Bytes} its header declares");
                        }

                        await stream.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        left -= read;
                    }
                };
            }
            else
            {
                write = async (stream, ct) =>
                {
                    await using var compressed = await input.OpenReadAsync(inputName, ct).ConfigureAwait(false);
                    await using var document = ImageLayout.OpenZstdDocument(compressed);
                    await document.CopyToAsync(stream, 1 << 20, ct).ConfigureAwait(false);
                };
            }

            await output.UploadAsync(name, write, cancellationToken).ConfigureAwait(false);
        }

        return (name, ChunkSource.Of(await CborLayoutAsync(output, name, cancellationToken).ConfigureAwait(false), output, name));
    }

    // Whether results can be assembled from chunks: an .iwi.cbor, or an OME-Zarr image (chunk by Zarr chunk).
    private bool CborResult => zarr is not null || ItkWasmPath.TryParse("x" + spec.Output.Format) is { Kind: ItkWasmDataKind.Image, Form: ItkWasmFileForm.Cbor };

    /// <summary>Returns the layout of the uncompressed <c>.iwi.cbor</c> blob <paramref name="name"/> of
    /// <paramref name="store"/>, read by a range.</summary>
    public static async Task<ImageLayout> CborLayoutAsync(IBlobStore store, string name, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenRangedReadAsync(name, cancellationToken).ConfigureAwait(false);
        return ImageLayout.ReadCbor(stream, name);
    }

    private async Task<ImageLayout?> RawLayoutAsync(string name, CancellationToken cancellationToken)
    {
        if (await RawHeaderAsync(name, cancellationToken).ConfigureAwait(false) is not { Raw.Compression: "none" } found)
        {
            return null;
        }

        var geometry = await RawGeometryAsync(name, found, cancellationToken).ConfigureAwait(false);
        return geometry?.ByteLength == found.Raw.Bytes ? new ImageLayout(geometry, found.Offset, found.Raw.DataFile is null ? null : found.Data) : null;
    }

    // A MetaImage or NRRD header read by a range: where its pixels lie (the data blob, the offset of its first byte), its
    // first bytes and its blob's properties. Null when it is not one buffer, when auto runs it whole without asking
    // (small), or when its data file lies outside the dataset or is too short.
    private async Task<RawFound?> RawHeaderAsync(string name, CancellationToken cancellationToken)
    {
        var start = new byte[RawImageHeader.MaxHeaderBytes];
        int read;
        await using (var file = await input.OpenRangedReadAsync(name, cancellationToken).ConfigureAwait(false))
        {
            read = await file.ReadAtLeastAsync(start, start.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }

        if (RawImageHeader.Parse(start.AsSpan(0, read)) is not { } raw || (spec.Chunking.Size is null && raw.Bytes <= ChunkingSpec.AutoThresholdBytes))
        {
            return null; // not one buffer, or small enough that auto runs it whole: not worth the header read
        }

        // A data file is a name beside the header or below it: no '..', no absolute path (a remote store's URL would
        // resolve them out of the dataset).
        if (raw.DataFile is { } relative && relative.Replace('\\', '/').Split('/') is var parts && (parts.Any(p => p is "" or "." or "..") || Path.IsPathRooted(relative)))
        {
            return null;
        }

        var data = raw.DataFile is null ? name : name[..(name.LastIndexOf('/') + 1)] + raw.DataFile.Replace('\\', '/');
        BlobItem? headerBlob, pixels;
        try
        {
            headerBlob = await input.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
            pixels = data == name ? headerBlob : await input.GetPropertiesAsync(data, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or UnauthorizedAccessException)
        {
            return null; // a data file outside the dataset is not read
        }

        var length = pixels?.Length ?? -1;
        var offset = raw.Offset == -1 ? length - raw.Bytes : raw.Offset;
        return headerBlob is null || length < 0 || offset < 0 || (raw.Compression == "none" && offset + raw.Bytes > length)
            ? null
            : new RawFound(raw, start[..read], headerBlob, data, length, offset);
    }

    // The geometry and metadata of a raw-backed header, from image-io's header-only read: once per file version, as it
    // runs a module. A remote header is read from its first bytes in a local sparse copy.
    private async Task<Image?> RawGeometryAsync(string name, RawFound found, CancellationToken cancellationToken)
    {
        var version = $"{input.Description}|{name}|{found.Header.Version}|{found.Start.Length}|{found.Length}";
        if (rawGeometries.TryGetValue(version, out var known))
        {
            return known;
        }

        Image information;
        if (input.GetLocalPath(name) is { } path)
        {
            information = await imageIo.ReadInformationAsync(path, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Its first bytes (all a header-only read looks at) in a local file of its name and length, its data file
            // beside it at its length: sparse files, which take no room.
            var folder = Directory.CreateTempSubdirectory("itkwasm-header-").FullName;
            try
            {
                var local = Path.Combine(folder, Path.GetFileName(name));
                await using (var file = File.Create(local))
                {
                    await file.WriteAsync(found.Start, cancellationToken).ConfigureAwait(false);
                    file.SetLength(found.Header.Length);
                }

                if (found.Raw.DataFile is { } dataFile)
                {
                    var placeholder = Path.Combine(folder, dataFile);
                    Directory.CreateDirectory(Path.GetDirectoryName(placeholder)!);
                    await using var file = File.Create(placeholder);
                    file.SetLength(found.Length);
                }

                information = await imageIo.ReadInformationAsync(local, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Image geometry;
        using (information)
        {
            geometry = new Image(information.ImageType) { Name = information.Name, Origin = information.Origin, Spacing = information.Spacing, Direction = information.Direction, Size = information.Size };
            foreach (var (key, value) in information.Metadata)
            {
                geometry.Metadata[key] = value;
            }
        }

        if (rawGeometries.Count >= 64)
        {
            rawGeometries.Clear();
        }

        return rawGeometries[version] = geometry;
    }

    // Raw MetaImage and NRRD geometries by header file version; their headers are never changed once made.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Image?> rawGeometries = new(StringComparer.Ordinal);

    private sealed record RawFound(RawImageHeader Raw, byte[] Start, BlobItem Header, string Data, long Length, long Offset);

    /// <summary>Returns the chunk size (in result pixels per axis) the item runs by, or null when it runs whole: an
    /// input that is not read by regions (<see cref="SourceAsync"/>) always runs whole (it is refused when it is too
    /// large to read).</summary>
    /// <param name="source">How the input is read by regions, or null.</param>
    /// <exception cref="StageException">The item must run by chunks (it is larger than <c>auto</c> runs whole, or the
    /// job sets a chunk size) and cannot; the message says why and what to change.</exception>
    public long[]? Decide(ChunkSource? source)
    {
        var chunking = spec.Chunking;
        if (source is null || !chunking.Enabled || (chunking.Size is null && source.Header.ByteLength <= ChunkingSpec.AutoThresholdBytes))
        {
            return null;
        }

        // Under auto, an item that cannot be chunked still runs whole while a module may hold it; past that, and
        // whenever the job sets a chunk size, it fails saying why.
        var must = chunking.Size is not null || source.Header.ByteLength > ChunkingSpec.MustChunkBytes;
        var why = chunking.Size is null
            ? $"the item's pixel buffer ({source.Header.ByteLength} bytes) is larger than a wasm32 module can run whole ({ChunkingSpec.MustChunkBytes} bytes)"
            : $"the job sets chunking: {chunking}";
        if (stages.Length != 1)
        {
            return must ? throw new StageException(0, $"{why}, and only a job of one stage runs by chunks: split the job into one job per stage, or set chunking: off to run the item whole") : null;
        }

        if (!CborResult)
        {
            return must ? throw new StageException(0, $"{why}, and a result assembled from chunks is written as .iwi.cbor or .ome.zarr: set output.format: .iwi.cbor (or .ome.zarr), or chunking: off to run the item whole") : null;
        }

        if (stages[0].Spec.Multiscales is not null)
        {
            return must ? throw new StageException(0, $"{why}, and a pyramid (multiscales) is made whole: set chunking: off (items up to {ChunkingSpec.MustChunkBytes} bytes), or make level 1 by chunks with a downsample job first") : null;
        }

        var size = source.Header.Size;
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
            : AutoChunk(size, source.PixelBytes, rule.Factors, source.StoredChunk);
        var outputSize = rule.OutputSize(size);
        var fitted = rule.Fit([.. inputChunk.Select((c, d) => Math.Max(1, c / rule.Factors[d]))], outputSize);
        if (zarr is not null)
        {
            // Each Zarr chunk of the result is written by the one work chunk that holds it whole.
            var stored = zarr.Format.ChunkShape(outputSize);
            fitted = [.. fitted.Select((c, d) => Math.Min(outputSize[d], (c + stored[d] - 1) / stored[d] * stored[d]))];
        }

        return fitted;
    }

    // Slabs: the lowest axes whole while the chunk stays within AutoChunkBytes, the next axis cut to fit (at least one
    // bin), the higher ones one bin. An input stored in chunks (OME-Zarr) is cut along its stored chunks instead: they
    // grow, axis by axis from x, by doubling while the chunk stays within AutoChunkBytes.
    private static long[] AutoChunk(long[] size, int pixelBytes, IReadOnlyList<int> factors, IReadOnlyList<long>? stored)
    {
        if (stored is not null)
        {
            var grown = size.Select((s, d) => Math.Min(s, stored[d])).ToArray();
            var pixels = grown.Aggregate(1L, (p, n) => p * n);
            for (var d = 0; d < size.Length; d++)
            {
                while (grown[d] < size[d] && pixels * 2 * pixelBytes <= ChunkingSpec.AutoChunkBytes)
                {
                    pixels = pixels / grown[d] * Math.Min(size[d], grown[d] * 2);
                    grown[d] = Math.Min(size[d], grown[d] * 2);
                }
            }

            return grown;
        }

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
    /// prefix. The chunks read the input's <see cref="SpillAsync">spill</see> when <paramref name="spill"/> names
    /// one.</summary>
    public async Task<ChunkPlan> PlanAsync(string outputName, ChunkSource source, long[] chunkSize, string contentKey, string? spill, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        var stage = stages[0];
        var size = source.Header.Size;
        var rule = stage.RuleFor(size.Length)!;
        Image header;
        using (var probe = await source.ReadRegionAsync(ChunkedRun.ProbeRegion(rule, size), cancellationToken).ConfigureAwait(false))
        {
            header = await stage.ResultHeaderAsync(probe, () => ChunkedRun.ResultHeaderAsync(probe, rule, stage.Spec.ArgsFor(size.Length), size, Run(stage, attempt), cancellationToken)).ConfigureAwait(false);
            header.Size = rule.OutputSize(size);
        }

        using (header)
        {
            if (zarr is not null)
            {
                // No assembly: each chunk writes its Zarr chunks at their keys; the metadata, kept in the plan, is the
                // commit's. Until then the result is no image.
                await zarr.PrepareAsync(outputName, cancellationToken).ConfigureAwait(false);
                var metadata = new System.Text.Json.Nodes.JsonObject();
                foreach (var (key, bytes) in OmeZarrWriter.Metadata(header, zarr.Format))
                {
                    metadata[key] = System.Text.Encoding.UTF8.GetString(bytes);
                }

                return new ChunkPlan(contentKey, size, header.Size, chunkSize, ChunkGrid.Split(header.Size, chunkSize).Count, ChunkPlan.TypeText(header.ImageType), 0, spill, metadata.ToJsonString());
            }

            var (result, prefix) = ImageLayout.ForCbor(header);
            var plan = new ChunkPlan(contentKey, size, header.Size, chunkSize, ChunkGrid.Split(header.Size, chunkSize).Count, ChunkPlan.TypeText(header.ImageType), result.DataOffset, spill);
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
        var source = plan.Spill is { } spill
            ? ChunkSource.Of(await CborLayoutAsync(output, spill, cancellationToken).ConfigureAwait(false), output, spill)
            : await SourceAsync(inputName, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{inputName} can no longer be read by chunks (it changed since its chunks were planned); the item runs again when the job does");
        if (!source.Header.Size.SequenceEqual(plan.InputSize))
        {
            throw new InvalidOperationException($"{inputName} is [{string.Join(", ", source.Header.Size)}] now, not the [{string.Join(", ", plan.InputSize)}] its chunks were planned for; the item runs again when the job does");
        }

        var rule = stage.RuleFor(plan.InputSize.Length)!;
        using (var region = await source.ReadRegionAsync(ChunkGrid.InputRegion(chunk, plan.OutputSize, plan.InputSize, rule.Factors, rule.Halo), cancellationToken).ConfigureAwait(false))
        {
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
            if (zarr is not null)
            {
                await zarr.WriteRegionAsync(outputName, result.Header, pixels, chunk, cancellationToken).ConfigureAwait(false);
                return implementation;
            }

            var assembly = output.OpenAssembly(outputName, plan.AssemblyId);
            foreach (var (fileOffset, regionOffset, length) in result.Runs(chunk))
            {
                await using var part = pixels.Data.OpenStream(regionOffset, length);
                await assembly.WriteAsync(fileOffset, part, length, cancellationToken).ConfigureAwait(false);
            }
        }

        return implementation;
    }

    /// <summary>Commits the assembled result of <paramref name="plan"/>, then removes the input's spill.</summary>
    /// <returns>The hash of the result's bytes, as <see cref="ItemResult.ResultHash"/> records it.</returns>
    public async Task<string> CommitAsync(string outputName, ChunkPlan plan, CancellationToken cancellationToken)
    {
        string hash;
        if (zarr is not null)
        {
            hash = await zarr.CommitAsync(outputName, plan.OutputLayout().Header, plan.ZarrMetadataObjects(), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var blob = await output.OpenAssembly(outputName, plan.AssemblyId).CommitAsync(plan.Parts(), plan.OutputLayout().Length, cancellationToken).ConfigureAwait(false);
            hash = blob.ContentHash ?? await BlobContent.Sha256Async(output, outputName, cancellationToken).ConfigureAwait(false);
        }

        if (plan.Spill is { } spill)
        {
            await output.DeleteAsync(spill, cancellationToken).ConfigureAwait(false);
        }

        return hash;
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
