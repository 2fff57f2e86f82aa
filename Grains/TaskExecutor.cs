using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains;

/// <summary>
/// Runs one item of a job: read the input, run the stages, commit the result. The result's content key (the hash of
/// every stage's module and arguments, the input's bytes and the output format) decides whether anything runs at all:
/// a result already committed under the same key is kept, not recomputed and not rewritten. A result is committed
/// atomically at its deterministic name, and only then recorded (with the task's fenced completion), so a crash at any
/// moment leaves either no result or a whole one. Thread-safe; shared by a job's workers.
/// </summary>
internal sealed class TaskExecutor
{
    private readonly JobSpec spec;
    private readonly IBlobStore input;
    private readonly IBlobStore output;
    private readonly ResultLookup findResults;
    private readonly IReadOnlyList<StagePlan> stages;
    private readonly ImageIo imageIo;
    private readonly string stagesKey;
    private readonly IReadOnlyDictionary<string, InputHash> inputHashes;
    private IReadOnlyDictionary<string, string> knownResults = new Dictionary<string, string>();

    private TaskExecutor(
        JobSpec spec, IBlobStore input, IBlobStore output, ResultLookup findResults, IWasmRuntime runtime, IReadOnlyDictionary<string, InputHash> inputHashes)
    {
        this.spec = spec;
        this.input = input;
        this.output = output;
        this.findResults = findResults;
        this.inputHashes = inputHashes;
        imageIo = new ImageIo(runtime);
        stages = spec.Stages.Select((s, i) => new StagePlan(s, i, runtime)).ToArray();
        var key = new StringBuilder("itkwasm-cluster/1\n");
        foreach (var stage in spec.Stages)
        {
            key.Append(runtime.GetModuleKey(PipelineReference.Parse(stage.Pipeline))).Append('\n')
               .Append(JobSpecParser.ToJson(spec with { Stages = [stage] })["stages"]!.ToJsonString()).Append('\n');
        }

        stagesKey = key.Append(spec.Output.Format).ToString();
    }

    /// <summary>Creates the executor of a job's tasks, and looks up at once the results already recorded for the
    /// inputs as hashed (<paramref name="inputHashes"/>), so that a task needs no lookup of its own unless its input
    /// changed since.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="input">Where the inputs are.</param>
    /// <param name="output">Where the results go.</param>
    /// <param name="findResults">Finds the results recorded for content keys (the job store's record, or an item's).</param>
    /// <param name="runtime">Runs the stages.</param>
    /// <param name="inputHashes">The inputs' content hashes taken when the job started, by input name.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    public static async Task<TaskExecutor> CreateAsync(
        JobSpec spec, IBlobStore input, IBlobStore output, ResultLookup findResults, IWasmRuntime runtime, IReadOnlyDictionary<string, InputHash> inputHashes,
        CancellationToken cancellationToken)
    {
        var executor = new TaskExecutor(spec, input, output, findResults, runtime, inputHashes);
        var keys = inputHashes.Values.Select(h => executor.ContentKey(h.Hash)).ToArray();
        executor.knownResults = keys.Length == 0 ? executor.knownResults : await findResults(keys, cancellationToken).ConfigureAwait(false);
        return executor;
    }

    /// <summary>Gets the job's spec.</summary>
    public JobSpec Spec => spec;

    /// <summary>Runs the item <paramref name="lease"/> names and returns a successful outcome.</summary>
    /// <param name="lease">The claimed task.</param>
    /// <param name="confirmLease">Called just before the result is written; false means the lease was lost, and the
    /// attempt stops with <see cref="OperationCanceledException"/> without writing.</param>
    /// <param name="cancellationToken">Stops the attempt.</param>
    /// <exception cref="Exception">Anything that makes the attempt fail: unreadable input, a failed pipeline, a write
    /// error. The caller turns it into a retry or a failure.</exception>
    public async Task<TaskOutcome> ExecuteAsync(TaskLease lease, Func<CancellationToken, Task<bool>> confirmLease, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var (key, hashedAtStart) = await ContentKeyAsync(lease.Input, cancellationToken).ConfigureAwait(false);
        var recorded = hashedAtStart
            ? knownResults.GetValueOrDefault(key)
            : (await findResults([key], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(key);
        if (recorded == lease.Output
            && await output.GetPropertiesAsync(lease.Output, cancellationToken).ConfigureAwait(false) is not null)
        {
            return new TaskOutcome(TaskState.Succeeded, Stopwatch.GetElapsedTime(started), Reused: true);
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(spec.TaskTimeout.TotalSeconds * Stopwatch.Frequency);
        var image = await ReadInputAsync(lease.Input, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var stage in stages)
            {
                var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
                if (remaining <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"the item's stages did not finish within {spec.TaskTimeout}");
                }

                var next = await stage.RunAsync(image, new PipelineRunOptions { Timeout = remaining }, cancellationToken).ConfigureAwait(false);
                image.Dispose();
                image = next;
            }

            await CommitAsync(image, lease.Output, confirmLease, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            image.Dispose();
        }

        return new TaskOutcome(TaskState.Succeeded, Stopwatch.GetElapsedTime(started), ContentKey: key);
    }

    /// <summary>Returns the item's content key, and whether it comes from the input hash taken when the job started
    /// (so <see cref="knownResults"/> covers it).</summary>
    private async Task<(string Key, bool HashedAtStart)> ContentKeyAsync(string name, CancellationToken cancellationToken)
    {
        var properties = await input.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false)
                         ?? throw new FileNotFoundException($"{name}: the input disappeared from {input.Description}");
        var version = $"{properties.Length}:{properties.LastModified.ToUnixTimeMilliseconds()}";
        return inputHashes.TryGetValue(name, out var known) && known.Version == version
            ? (ContentKey(known.Hash), true)
            : (ContentKey(await InputHasher.HashBlobAsync(input, name, cancellationToken).ConfigureAwait(false)), false); // changed since the job started
    }

    private string ContentKey(string inputHash) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{stagesKey}\n{inputHash}")));

    private async Task<Image> ReadInputAsync(string name, CancellationToken cancellationToken)
    {
        if (ItkWasmPath.TryParse(name) is { Kind: ItkWasmDataKind.Image, Form: not ItkWasmFileForm.Directory } native)
        {
            await using var stream = await input.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
            return ImageFile.Read(stream, native.Form, name);
        }

        if (input.GetLocalPath(name) is { } path)
        {
            return await imageIo.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        }

        var temp = Path.Combine(Path.GetTempPath(), $"itkwasm-input-{Guid.NewGuid():N}-{Path.GetFileName(name)}");
        try
        {
            await using (var source = await input.OpenReadAsync(name, cancellationToken).ConfigureAwait(false))
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

    private async Task CommitAsync(Image image, string name, Func<CancellationToken, Task<bool>> confirmLease, CancellationToken cancellationToken)
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

        try
        {
            if (!await confirmLease(cancellationToken).ConfigureAwait(false))
            {
                throw new OperationCanceledException("the task's lease was lost before its result was written", cancellationToken);
            }

            // Create only if absent; a result already there without a record of this key is stale (an older spec, or
            // a crash between commit and record) and is replaced, atomically.
            if (!await output.TryCreateAsync(name, write, cancellationToken).ConfigureAwait(false))
            {
                await output.UploadAsync(name, write, cancellationToken).ConfigureAwait(false);
            }
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
