using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ItkWasm;
using ItkWasm.Chunks;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasm.Zarr;
using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Telemetry;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// Runs one item of a job: read the input, run the stages, commit the result. The result's content key (the SHA-256
/// of every stage's module and arguments, the input's identity — the SHA-256 of its bytes, or the hash its store keeps,
/// such as Azure's Content-MD5 — and the output format; Nextflow-style resume) decides
/// whether anything runs at all: a result committed under the item's recorded key is kept, not recomputed and not
/// rewritten. A result is committed at its deterministic name by a conditional create (atomic: complete or absent); a
/// result already there with the same bytes (by its Content-MD5 in Azure, else by SHA-256) is left alone (a re-run of the same item elsewhere), and one with other
/// bytes (an older spec's) is replaced atomically. Thread-safe; one per job and silo (<see cref="ItemRunners"/>).
/// </summary>
internal sealed class ItemRunner
{
    private readonly JobSpec spec;
    private readonly IBlobStore input;
    private readonly IBlobStore output;
    private readonly StagePlan[] stages;
    private readonly ImageIo imageIo;
    private readonly string stagesKey;
    private readonly TagList jobTags;
    private readonly TimeProvider time;
    private readonly ItemChunks chunks;
    private readonly ZarrResults? zarrResults;

    /// <summary>Gets the largest pixel buffer an item's image may declare, in bytes: less than 4 GiB (the most a wasm32
    /// module addresses, input and output together) and at most half this process's memory per core, so that
    /// no input (a zstd file of kilobytes can hold gigabytes) takes the silo's memory before anything checks it.</summary>
    public static long MaxImageBytes { get; } = Math.Min((4L << 30) - 1,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / Math.Max(2, 2 * Environment.ProcessorCount));

    /// <summary>Creates the runner of <paramref name="spec"/>'s items.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="input">Where the inputs are.</param>
    /// <param name="output">Where the results go.</param>
    /// <param name="runtime">Runs the stages.</param>
    /// <param name="pipelines">Gives the pipeline of a stage's reference (shared across jobs).</param>
    /// <param name="implementations">What the silo can run each stage on.</param>
    /// <param name="time">Times the item and its stages and keeps its deadline.</param>
    public ItemRunner(JobSpec spec, IBlobStore input, IBlobStore output, IWasmRuntime runtime, Func<string, Pipeline> pipelines, StageImplementations implementations, TimeProvider time)
    {
        this.time = time;
        this.spec = spec;
        this.input = input;
        this.output = output;
        imageIo = new ImageIo(runtime);
        jobTags = ClusterTelemetry.JobTags(JobIds.For(spec), spec.Name);
        stages = spec.Stages.Select((s, i) => new StagePlan(s, i, pipelines(s.Pipeline), runtime.GetModuleKey(PipelineReference.Parse(s.Pipeline)), implementations, time)).ToArray();
        var key = new StringBuilder("itkwasm-cluster/1\n");
        foreach (var stage in spec.Stages)
        {
            var reference = PipelineReference.Parse(stage.Pipeline);
            key.Append(runtime.GetModuleKey(reference)).Append('\n')
               .Append(JobSpecParser.ToJson(spec with { Stages = [stage] })["stages"]!.ToJsonString()).Append('\n');
            if (implementations.KeyOf(stage, reference) is { Length: > 0 } implementation)
            {
                key.Append(implementation).Append('\n');
            }

            if (stage.Halo is not null || (reference.Kind == PipelineModuleKind.Npm && reference.Location == ChunkRule.DownsamplePackage))
            {
                key.Append("grid: index\n"); // run by its chunk rule (on the index grid), chunked or not
            }
        }

        key.Append(spec.Output.Format);
        if (spec.Output.IsOmeZarr)
        {
            key.Append($" ngff {spec.Output.Ngff} {spec.Output.Compressor} chunks {string.Join(' ', spec.Output.Chunks ?? [])}");
        }

        stagesKey = key.ToString();
        zarrResults = spec.Output.IsOmeZarr ? new ZarrResults(output, spec.Output) : null;
        chunks = new ItemChunks(spec, input, output, stages, imageIo, zarrResults);
    }

    /// <summary>Runs one item and commits its result.</summary>
    /// <param name="inputName">The input blob.</param>
    /// <param name="outputName">The result blob.</param>
    /// <param name="recorded">The content key the item's last committed result was recorded under and the SHA-256 of
    /// that result's bytes, or nulls: the result is reused only when both still hold.</param>
    /// <param name="inputHash">The hash of the input's bytes its store keeps (Azure's Content-MD5), as listed with the
    /// dataset, or null: it identifies the input without reading it.</param>
    /// <param name="inputLength">The input's length in bytes, as listed (0: not known).</param>
    /// <param name="attempt">The attempt's number, the silo that runs it, and the item's span (the parent of this attempt's spans).</param>
    /// <param name="cancellationToken">Stops the attempt (its running pipeline too).</param>
    /// <returns>How long it took, whether the recorded result was reused, the result's content key, the SHA-256 of its
    /// bytes, and which implementation ran each stage and for how long (null when the result was reused).</returns>
    /// <exception cref="Exception">Anything that makes the attempt fail: unreadable input, a failed pipeline, a write
    /// error. The caller turns it into a retry or a failure.</exception>
    public async Task<ItemOutcome> ExecuteAsync(
        string inputName, string outputName, (string? Key, string? ResultHash) recorded, string? inputHash, long inputLength, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var recordedKey = recorded.Key;
        string key;
        Image image;
        // A blob the listing gave no hash for is asked for one only when a recorded result might be reused.
        var serviceHash = inputHash
            ?? (recordedKey is not null && input.GetLocalPath(inputName) is null
                ? (DirectoryItems.IsDirectory(inputName)
                    ? await DirectoryItems.GetPropertiesAsync(input, inputName, cancellationToken).ConfigureAwait(false)
                    : await input.GetPropertiesAsync(inputName, cancellationToken).ConfigureAwait(false))?.ContentHash
                : null);
        var source = chunks.MayChunk(inputName, inputLength) ? await chunks.SourceAsync(inputName, cancellationToken).ConfigureAwait(false) : null;
        var compressed = source is null && await chunks.MaySpillAsync(inputName, cancellationToken).ConfigureAwait(false);
        if (compressed || chunks.Decide(source) is not null)
        {
            // Too large to run whole (or chunked as the job says): never read whole, but planned here; its chunks and
            // its commit are attempts of their own. A compressed input is decompressed once first, into its spill.
            using (BlobSpan("blob.hash", input, inputName, attempt.Trace, serviceHash is null))
            {
                key = ContentKey(serviceHash ?? await InputSha256Async(inputName, cancellationToken).ConfigureAwait(false));
            }

            if (key == recordedKey && recorded.ResultHash is { } kept && await ResultHashAsync(outputName, cancellationToken).ConfigureAwait(false) == kept)
            {
                return new ItemOutcome(time.GetElapsedTime(started), true, key, kept, null);
            }

            string? spill = null;
            if (compressed)
            {
                using (BlobSpan("blob.decompress", input, inputName, attempt.Trace))
                {
                    (spill, source) = await chunks.SpillAsync(inputName, outputName, key, cancellationToken).ConfigureAwait(false);
                }
            }

            long[]? chunkSize;
            try
            {
                chunkSize = chunks.Decide(source);
            }
            catch (StageException) when (spill is not null)
            {
                await output.DeleteAsync(spill, CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            if (chunkSize is not null)
            {
                var plan = await chunks.PlanAsync(outputName, source!, chunkSize, key, spill, attempt, cancellationToken).ConfigureAwait(false);
                return new ItemOutcome(time.GetElapsedTime(started), false, key, null, null, plan);
            }

            if (spill is not null)
            {
                await output.DeleteAsync(spill, cancellationToken).ConfigureAwait(false); // runs whole after all (auto, small enough)
            }
        }

        if (serviceHash is null && recordedKey is null && NativeForm(inputName) is { } form)
        {
            // Nothing to reuse: hash the input while reading it, rather than reading it twice.
            using var reading = BlobSpan("blob.read", input, inputName, attempt.Trace);
            (image, var bytesHash) = await ReadNativeAsync(inputName, form, cancellationToken).ConfigureAwait(false);
            key = ContentKey(bytesHash);
        }
        else
        {
            // The store's own hash of the blob (Azure's Content-MD5) identifies it without a download.
            using (BlobSpan("blob.hash", input, inputName, attempt.Trace, serviceHash is null))
            {
                key = ContentKey(serviceHash ?? await InputSha256Async(inputName, cancellationToken).ConfigureAwait(false));
            }

            if (key == recordedKey && recorded.ResultHash is { } recordedHash && await ResultHashAsync(outputName, cancellationToken).ConfigureAwait(false) == recordedHash)
            {
                return new ItemOutcome(time.GetElapsedTime(started), true, key, recordedHash, null);
            }

            using var reading = BlobSpan("blob.read", input, inputName, attempt.Trace);
            image = await ReadInputAsync(inputName, counted: true, cancellationToken).ConfigureAwait(false);
        }

        var ran = new List<(string, TimeSpan)>(stages.Length);
        var pyramid = new List<Image>(); // the levels above the last one, of a multiscales stage
        string resultHash;
        var deadline = time.GetTimestamp() + (long)(spec.ItemTimeout.TotalSeconds * time.TimestampFrequency);
        try
        {
            for (var s = 0; s < stages.Length; s++)
            {
                var stage = stages[s];
                var multiscales = stage.Spec.Multiscales;
                if (multiscales is not null && image.Size.Min() >> multiscales.Levels < 1)
                {
                    throw new StageException(s, $"the image's smallest axis has {image.Size.Min()} pixels, too few for {multiscales.Levels} levels each half the one above (they need {1L << multiscales.Levels}): ask for fewer levels");
                }

                for (var run = 0; run < (multiscales?.Levels ?? 1); run++)
                {
                    var remaining = TimeSpan.FromSeconds((double)(deadline - time.GetTimestamp()) / time.TimestampFrequency);
                    if (remaining <= TimeSpan.Zero)
                    {
                        throw new TimeoutException($"the item's stages did not finish within {spec.ItemTimeout}");
                    }

                    var stageStarted = time.GetTimestamp();
                    Image next;
                    string implementation;
                    try
                    {
                        (next, implementation) = await stage.RunWholeAsync(image, new PipelineRunOptions { Timeout = remaining }, attempt, cancellationToken).ConfigureAwait(false);
                    }
                    catch (PipelineRunException e) when (OutOfMemory(e, image.ByteLength, spec.Chunking, chunked: false) is { } explained)
                    {
                        throw explained;
                    }

                    if (multiscales is null)
                    {
                        image.Dispose();
                    }
                    else
                    {
                        pyramid.Add(image); // a level of the result
                    }

                    image = next;
                    ran.Add((implementation, time.GetElapsedTime(stageStarted)));
                }
            }

            using var writing = BlobSpan("blob.write", output, outputName, attempt.Trace);
            if (zarrResults is not null)
            {
                resultHash = await zarrResults.WriteAsync(outputName, [.. pyramid, image], stages[^1].Spec.Multiscales?.Method, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Recorded in the form ResultHashAsync gives later: the store's own hash when it keeps one (as the
                // write returned it), else the SHA-256 of the bytes written (a file is not read back).
                var written = await CommitAsync(image, outputName, cancellationToken).ConfigureAwait(false);
                resultHash = written.Blob.ContentHash ?? written.Sha256;
            }
        }
        finally
        {
            image.Dispose();
            pyramid.ForEach(level => level.Dispose());
        }

        return new ItemOutcome(time.GetElapsedTime(started), false, key, resultHash, ran);
    }

    /// <summary>Runs chunk <paramref name="n"/> of a planned item, or commits its result when <paramref name="n"/> is
    /// the plan's <see cref="ChunkPlan.Count"/>.</summary>
    /// <returns>How long it took, and which implementation ran the chunk (null for the commit) or the committed result's
    /// hash.</returns>
    /// <exception cref="Exception">Anything that makes the attempt fail; the caller turns it into a retry or a failure.</exception>
    public async Task<(TimeSpan Duration, string? Implementation, string? ResultHash)> ExecuteChunkAsync(
        string inputName, string outputName, ChunkPlan plan, int n, (string Silo, int Number, ActivityContext Trace) attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var started = time.GetTimestamp();
        if (n == plan.Count)
        {
            using var writing = BlobSpan("blob.commit", output, outputName, attempt.Trace);
            var hash = await chunks.CommitAsync(outputName, plan, cancellationToken).ConfigureAwait(false);
            return (time.GetElapsedTime(started), null, hash);
        }

        var implementation = await chunks.RunChunkAsync(inputName, outputName, plan, n, attempt, cancellationToken).ConfigureAwait(false);
        return (time.GetElapsedTime(started), implementation, null);
    }

    /// <summary>Returns the failure <paramref name="e"/> of a module run on <paramref name="bytes"/> of pixels explained as
    /// running out of wasm memory, with what to change, when it was that: the runtime saw it run out, or it trapped on
    /// an image of at least an eighth of what a wasm32 module can address (a filter holds its input, its output and
    /// working images, float32 for integer pixels); null otherwise.</summary>
    internal static PipelineRunException? OutOfMemory(PipelineRunException e, long bytes, ChunkingSpec chunking, bool chunked)
    {
        const long Addressable = 4L << 30;
        if (e.Kind != PipelineFailureKind.OutOfMemory && (e.Kind != PipelineFailureKind.Trap || bytes < Addressable / 8))
        {
            return null;
        }

        var advice = chunked
            ? "set a smaller chunking: { size: [X, Y, Z] }"
            : !chunking.Enabled
                ? "set chunking: auto (or { size: [X, Y, Z] }) to run it by chunks"
                : "it ran whole: only an .iwi.cbor, .iwi.cbor.zst or .iwi directory, an OME-Zarr image, or a MetaImage or NRRD file of one buffer (raw, zlib or gzip), in a job of one stage whose pipeline has a known or declared halo, runs by chunks";
        return new PipelineRunException(e.Pipeline, PipelineFailureKind.OutOfMemory,
            $"it needed more than the 4 GiB a wasm32 module can address, on {(chunked ? "a chunk" : "an item")} of {bytes} bytes; chunking: {chunking}: {advice}; the module: {e.Detail}",
            e.Stdout, e.Stderr, e.ReturnCode);
    }

    private static ItkWasmFileForm? NativeForm(string name) =>
        ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: not ItkWasmFileForm.Directory } native ? native.Form : null;

    // The SHA-256 of an input's bytes (an .iwi directory's: its parts').
    private Task<string> InputSha256Async(string name, CancellationToken cancellationToken) =>
        DirectoryItems.IsDirectory(name) ? DirectoryItems.Sha256Async(input, name, cancellationToken) : BlobContent.Sha256Async(input, name, cancellationToken);

    // The hash of a result's bytes as its store keeps it (Azure's Content-MD5, md5:HEX: no download), or their SHA-256
    // read from the store (files); null when there is no result.
    private async Task<string?> ResultHashAsync(string name, CancellationToken cancellationToken) =>
        zarrResults is not null
            ? await zarrResults.HashAsync(name, cancellationToken).ConfigureAwait(false)
            : await output.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is not { } result
            ? null
            : result.ContentHash ?? await BlobContent.Sha256Async(output, name, cancellationToken).ConfigureAwait(false);

    // Reads an input in one of ITK-Wasm's own forms and hashes its bytes on the way (SHA-256 through a CryptoStream).
    private async Task<(Image Image, string Hash)> ReadNativeAsync(string name, ItkWasmFileForm form, CancellationToken cancellationToken)
    {
        using var sha = SHA256.Create();
        await using var stream = await OpenInputAsync(name, counted: true, cancellationToken).ConfigureAwait(false);
        await using var hashing = await ReadAheadAsync(input, name, new CryptoStream(stream, sha, CryptoStreamMode.Read, leaveOpen: true), cancellationToken).ConfigureAwait(false);
        var image = ImageFile.Read(hashing, form, name, MaxImageBytes);
        try
        {
            await hashing.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false); // whatever the reader left
            return (image, Convert.ToHexStringLower(sha.Hash!));
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    // ITK-Wasm's readers read synchronously: a blob from a remote store is read ahead asynchronously first, so that the
    // reader does not hold a thread through every network round trip. A local file is read as it is.
    private static async Task<Stream> ReadAheadAsync(IBlobStore store, string name, Stream stream, CancellationToken cancellationToken) =>
        store.GetLocalPath(name) is null ? await ReadAheadStream.OpenAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false) : stream;

    // An input's bytes, counted as the job's reads when the job reads them (not when a preview does).
    private async Task<Stream> OpenInputAsync(string name, bool counted, CancellationToken cancellationToken)
    {
        var stream = await input.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        return counted ? new CountingStream(stream, ClusterTelemetry.BytesRead, jobTags) : stream;
    }

    // A span around a transfer of one blob (a file, in a folder store).
    private static Activity? BlobSpan(string name, IBlobStore store, string blob, ActivityContext parent, bool transfers = true) =>
        transfers && ClusterTelemetry.Source.HasListeners()
            ? ClusterTelemetry.StartSpan(name, ActivityKind.Client, parent, [new("itkwasm.blob.store", store.Description), new("itkwasm.blob.name", blob)])
            : null;

    private string ContentKey(string inputHash) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{stagesKey}\n{inputHash}")));

    /// <summary>Reads the middle slice of the input or result <paramref name="name"/> for a preview
    /// (<see cref="ImageLayout.ReadSlice"/>): by ranges, at most <paramref name="maxRows"/> of its rows, when its form
    /// allows (an uncompressed <c>.iwi.cbor</c>, a raw MetaImage or NRRD file the job may chunk); otherwise the whole
    /// image. The bytes are not counted as the job's reads. The caller disposes the result.</summary>
    /// <exception cref="Exception">The blob is missing or unreadable.</exception>
    public async Task<Image> ReadPreviewAsync(string name, bool result, int maxRows, CancellationToken cancellationToken)
    {
        var source = result
            ? DirectoryItems.IsZarr(name) ? await ChunkSource.OpenZarrAsync(new BlobZarrStore(output, name), 0, cancellationToken).ConfigureAwait(false)
            : NativeForm(name) == ItkWasmFileForm.Cbor ? ChunkSource.Of(await ItemChunks.CborLayoutAsync(output, name, cancellationToken).ConfigureAwait(false), output, name) : null
            : await chunks.SourceAsync(name, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return result ? await ReadResultAsync(name, cancellationToken).ConfigureAwait(false) : await ReadInputAsync(name, counted: false, cancellationToken).ConfigureAwait(false);
        }

        return await source.ReadSliceAsync(maxRows, cancellationToken).ConfigureAwait(false);
    }

    // Reads the result (in the job's output form); the caller disposes it.
    private async Task<Image> ReadResultAsync(string name, CancellationToken cancellationToken)
    {
        var form = NativeForm(name) ?? throw new ItkWasmFormatException(name, "not in one of ITK-Wasm's image forms");
        await using var stream = await output.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        await using var ahead = await ReadAheadAsync(output, name, stream, cancellationToken).ConfigureAwait(false);
        return ImageFile.Read(ahead, form, name);
    }

    // Reads the input in any form the job reads (a file format through the image-io pipelines), its bytes counted as
    // the job's reads when counted (not for a preview); the caller disposes it.
    private async Task<Image> ReadInputAsync(string name, bool counted, CancellationToken cancellationToken)
    {
        if (NativeForm(name) is { } form)
        {
            await using var stream = await ReadAheadAsync(input, name, await OpenInputAsync(name, counted, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return ImageFile.Read(stream, form, name, MaxImageBytes);
        }

        if (DirectoryItems.IsImageDirectory(name))
        {
            return await ReadDirectoryAsync(name, counted, cancellationToken).ConfigureAwait(false);
        }

        if (DirectoryItems.IsZarr(name))
        {
            var zarr = await OmeZarrImage.OpenAsync(new BlobZarrStore(input, name), spec.Input.Level, cancellationToken).ConfigureAwait(false);
            if (zarr.Header.ByteLength > MaxImageBytes)
            {
                throw new InvalidOperationException($"{name} level {zarr.Level} holds {zarr.Header.ByteLength} bytes of pixels, more than one item runs whole ({MaxImageBytes}); set chunking: auto or {{ size: [X, Y, Z] }} with a single-stage job to run it by chunks, or read a coarser level with input.level");
            }

            var image = await zarr.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (counted)
            {
                ClusterTelemetry.BytesRead.Add(image.ByteLength, jobTags);
            }

            return image;
        }

        if (input.GetLocalPath(name) is { } path)
        {
            var image = await imageIo.ReadAsync(path, cancellationToken).ConfigureAwait(false);
            if (counted)
            {
                ClusterTelemetry.BytesRead.Add(new FileInfo(path).Length, jobTags);
            }

            return image;
        }

        var temp = Path.Combine(Path.GetTempPath(), $"itkwasm-input-{Guid.NewGuid():N}-{Path.GetFileName(name)}");
        try
        {
            await using (var source = await OpenInputAsync(name, counted, cancellationToken).ConfigureAwait(false))
            await using (var file = File.Create(temp))
            {
                await source.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            return await imageIo.ReadAsync(temp, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    // Reads an .iwi directory input: in place in a folder (each part's path checked by the store, which refuses one a
    // symbolic link leads out of it), else copied into a local folder first.
    private async Task<Image> ReadDirectoryAsync(string name, bool counted, CancellationToken cancellationToken)
    {
        Image image;
        if (input.GetLocalPath(name) is { } path)
        {
            foreach (var part in DirectoryItems.ImageParts)
            {
                _ = input.GetLocalPath($"{name}/{part}");
            }

            image = await Task.Run(() => ImageFile.Read(path), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var temp = Path.Combine(Path.GetTempPath(), $"itkwasm-input-{Guid.NewGuid():N}");
            try
            {
                var folder = Path.Combine(temp, Path.GetFileName(name));
                await DirectoryItems.DownloadAsync(input, name, folder, cancellationToken).ConfigureAwait(false);
                image = ImageFile.Read(folder);
            }
            finally
            {
                if (Directory.Exists(temp))
                {
                    Directory.Delete(temp, recursive: true);
                }
            }
        }

        if (counted)
        {
            ClusterTelemetry.BytesRead.Add(image.ByteLength, jobTags);
        }

        return image;
    }

    // Commits the result: a create, else (a result is there already) nothing when it holds these bytes, else an
    // overwrite. Returns the SHA-256 of its bytes (lowercase hex, hashed on the way out) and the stored blob's
    // properties.
    private async Task<(string Sha256, BlobItem Blob)> CommitAsync(Image image, string name, CancellationToken cancellationToken)
    {
        Func<Stream, CancellationToken, Task> write;
        string? temp = null;
        if (ItkWasmPath.TryParse(name) is { Form: not ItkWasmFileForm.Directory } native)
        {
            write = (stream, _) =>
            {
                ImageFile.Write(image, stream, native.Form);
                return Task.CompletedTask;
            };
        }
        else
        {
            temp = Path.Combine(Path.GetTempPath(), $"itkwasm-output-{Guid.NewGuid():N}-{Path.GetFileName(name)}");
            await imageIo.WriteAsync(image, temp, cancellationToken: cancellationToken).ConfigureAwait(false);
            write = async (stream, ct) =>
            {
                await using var file = File.OpenRead(temp);
                await file.CopyToAsync(stream, ct).ConfigureAwait(false);
            };
        }

        // Every write of the result writes the same bytes (a create, a comparison, an overwrite): the last one's hash is
        // theirs.
        var counted = write;
        string? hash = null;
        write = async (stream, ct) =>
        {
            using var sha = SHA256.Create();
            await using (var counting = new CountingStream(stream, ClusterTelemetry.BytesWritten, jobTags, leaveOpen: true))
            await using (var hashing = new CryptoStream(counting, sha, CryptoStreamMode.Write, leaveOpen: true))
            {
                await counted(hashing, ct).ConfigureAwait(false);
                await hashing.FlushFinalBlockAsync(ct).ConfigureAwait(false);
            }

            hash = Convert.ToHexStringLower(sha.Hash!);
        };
        try
        {
            var blob = await output.TryCreateAsync(name, write, cancellationToken).ConfigureAwait(false);
            if (blob is null && await BlobContent.SameAsync(output, name, write, cancellationToken).ConfigureAwait(false))
            {
                blob = await output.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false);
            }

            blob ??= await output.UploadAsync(name, write, cancellationToken).ConfigureAwait(false);
            return (hash ?? throw new InvalidOperationException($"the result {name} was committed without being written"), blob);
        }
        finally
        {
            if (temp is not null)
            {
                File.Delete(temp);
            }
        }
    }
}

/// <summary>How an attempt at a whole item ended (see <see cref="ItemRunner.ExecuteAsync"/>).</summary>
/// <param name="Duration">How long it took.</param>
/// <param name="Reused">Whether the recorded result was reused.</param>
/// <param name="ContentKey">The result's content key.</param>
/// <param name="ResultHash">The hash of the result's bytes; null when the item was planned.</param>
/// <param name="Stages">Which implementation ran each stage and for how long; null when nothing ran.</param>
/// <param name="Planned">The item runs by chunks, as planned; nothing is committed yet.</param>
internal sealed record ItemOutcome(TimeSpan Duration, bool Reused, string ContentKey, string? ResultHash, IReadOnlyList<(string Implementation, TimeSpan Duration)>? Stages, ChunkPlan? Planned = null);
