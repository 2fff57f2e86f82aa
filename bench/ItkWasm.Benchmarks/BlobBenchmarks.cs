using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasm.Benchmarks;

/// <summary>
/// Blob storage through a private Azurite: the 200-image downsample job with its dataset and results as blobs, against
/// a hand-written loop of raw <see cref="BlobClient"/> download, pipeline, upload at the same concurrency; and 64 MiB
/// written and read through <see cref="AzureBlobStore"/> against the raw SDK calls with the same transfer options.
/// </summary>
public static class BlobBenchmarks
{
    private const int Repeats = 3;
    private const int TransferRepeats = 5;
    private const int Size = 64 << 20;

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-blob-bench").FullName;
        try
        {
            using var azurite = StoreServer.Azurite();
            var options = new BlobStorageOptions { ConnectionString = azurite.Connection };
            var service = new BlobServiceClient(azurite.Connection, options.ClientOptions());
            // A container of its own per run: the embedded cluster keeps a blob job's grain state on this machine, keyed
            // by the output location, and a state left by an earlier run on another Azurite would make every item look
            // up its (missing) recorded result first.
            var container = service.GetBlobContainerClient("bench" + Guid.NewGuid().ToString("N")[..12]);
            await container.CreateAsync().ConfigureAwait(false);
            var jobs = await JobsAsync(root, work, options, container).ConfigureAwait(false);
            Console.WriteLine($"blob jobs {jobs}");
            var transfers = await TransfersAsync(options, container).ConfigureAwait(false);
            Console.WriteLine($"blob transfers {transfers}");
            Write(markdownPath, jobs, transfers);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(double Job, double Setup, double Loop)> JobsAsync(string root, string work, BlobStorageOptions options, BlobContainerClient container)
    {
        var nodeModules = Path.Combine(root, "node_modules");
        var local = Directory.CreateDirectory(Path.Combine(work, "in")).FullName;
        await JobBenchmarks.PrepareAsync(Path.Combine(root, "..", "shared", "data"), local, nodeModules).ConfigureAwait(false);
        var names = Directory.GetFiles(local, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(local, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToArray();
        foreach (var name in names)
        {
            await container.GetBlobClient($"in/{name}").UploadAsync(Path.Combine(local, name)).ConfigureAwait(false);
        }

        var concurrency = Environment.ProcessorCount;
        var runtimeOptions = new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules };
        var (job, setup, loop) = (new List<double>(), new List<double>(), new List<double>());
        using var runtime = new NodeWasmRuntime(runtimeOptions with { MaxConcurrency = concurrency });
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = concurrency, Runtime = new WasmRuntimeOptions { Node = runtimeOptions }, Storage = options });
        var pipeline = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), runtime);
        for (var r = -1; r < Repeats; r++)
        {
            // Run -1 warms both sides up; job and loop alternate, so that drift on a shared machine hits both alike.
            var (jobTime, setupTime) = await JobBenchmarks.RunJobAsync(cluster, new JobSpec
            {
                Name = "blob-bench",
                Input = new DatasetSpec { Location = $"az://{container.Name}/in/" },
                // The module, as the peer runs it (auto would choose the SIMD override).
                Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample", Args = ["--shrink-factors", "2", "2"], Accelerator = StageAccelerator.Wasm }],
                Output = new OutputSpec { Location = $"az://{container.Name}/job-{r + 1}/" },
            }).ConfigureAwait(false);
            var loopTime = await LoopAsync(container, pipeline, names, $"loop-{r + 1}/", concurrency).ConfigureAwait(false);
            if (r >= 0)
            {
                (job, setup, loop) = ([.. job, jobTime], [.. setup, setupTime], [.. loop, loopTime]);
            }
        }

        return (JobBenchmarks.Median(job), JobBenchmarks.Median(setup), JobBenchmarks.Median(loop));
    }

    // What a user would write without the framework: download, run, upload, a few at a time.
    private static async Task<double> LoopAsync(BlobContainerClient container, Pipeline pipeline, string[] names, string prefix, int concurrency)
    {
        var watch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (name, ct) =>
        {
            var download = await container.GetBlobClient($"in/{name}").DownloadContentAsync(ct).ConfigureAwait(false);
            using var image = ImageFile.Read(download.Value.Content.ToStream(), ItkWasmFileForm.Cbor, name);
            using var result = await pipeline.RunAsync(["0", "0", "--shrink-factors", "2", "2"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)], null, ct).ConfigureAwait(false);
            using var output = new MemoryStream();
            ImageFile.Write(result.Output<Image>(0), output, ItkWasmFileForm.Cbor);
            output.Position = 0;
            await container.GetBlobClient(prefix + name).UploadAsync(output, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return watch.Elapsed.TotalMilliseconds;
    }

    private static async Task<(double StoreWrite, double RawWrite, double StoreRead, double RawRead)> TransfersAsync(BlobStorageOptions options, BlobContainerClient container)
    {
        var transfer = options.Transfer;
        var store = new BlobStores(options).Open($"az://{container.Name}/transfer/");
        var bytes = new byte[Size];
        new Random(7).NextBytes(bytes);
        var (storeWrite, rawWrite, storeRead, rawRead) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (var r = -1; r < TransferRepeats; r++)
        {
            var watch = Stopwatch.StartNew();
            await store.UploadAsync($"store-{r}.bin", (stream, ct) => stream.WriteAsync(bytes, ct).AsTask()).ConfigureAwait(false);
            var a = watch.Elapsed.TotalMilliseconds;

            watch.Restart();
            await container.GetBlobClient($"transfer/raw-{r}.bin").UploadAsync(new MemoryStream(bytes), new BlobUploadOptions { TransferOptions = transfer }).ConfigureAwait(false);
            var b = watch.Elapsed.TotalMilliseconds;

            watch.Restart();
            await using (var read = await store.OpenReadAsync($"raw-{r}.bin").ConfigureAwait(false))
            {
                await read.CopyToAsync(Stream.Null).ConfigureAwait(false);
            }

            var c = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            var raw = await container.GetBlobClient($"transfer/store-{r}.bin").DownloadStreamingAsync().ConfigureAwait(false);
            await using (raw.Value.Content.ConfigureAwait(false))
            {
                await raw.Value.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
            }

            var d = watch.Elapsed.TotalMilliseconds;
            if (r >= 0)
            {
                storeWrite.Add(a);
                rawWrite.Add(b);
                storeRead.Add(c);
                rawRead.Add(d);
            }
        }

        return (JobBenchmarks.Median(storeWrite), JobBenchmarks.Median(rawWrite), JobBenchmarks.Median(storeRead), JobBenchmarks.Median(rawRead));
    }

    private static void Write(string markdownPath, (double Job, double Setup, double Loop) jobs, (double StoreWrite, double RawWrite, double StoreRead, double RawRead) t)
    {
        var count = JobBenchmarks.Count;
        string Rate(double ms) => string.Create(CultureInfo.InvariantCulture, $"{ms:F0} ms ({Size / (1 << 20) / (ms / 1000):F0} MiB/s)");
        var section = new StringBuilder()
            .AppendLine("## Blob storage: jobs and transfers through Azurite")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run blobs` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, Azure.Storage.Blobs 12.30.1, a private Azurite 3.37 (npm) on 127.0.0.1. Jobs: the {count} images of the embedded-job benchmark as blobs, downsampled (shrink 2) into blobs, {Environment.ProcessorCount} at a time; the job (listing, grain state, each input's Content-MD5 from the listing as its identity, the input read ahead asynchronously, a conditional create of the result, `job.json`; per job, an in-process silo started and stopped) against a loop of raw `BlobClient.DownloadContentAsync` → `Pipeline.RunAsync` → `BlobClient.UploadAsync`; medians of {Repeats} runs of each, alternating, after one warm-up of each. Transfers: {Size >> 20} MiB through `AzureBlobStore` (its write callback, buffered in pooled blocks and sent in one request; one streaming read) against `BlobClient.UploadAsync` from a seekable stream and `DownloadStreamingAsync`, both with the SDK's default transfer options; medians of {TransferRepeats}."))
            .AppendLine()
            .AppendLine("| measurement | value | target |")
            .AppendLine("| --- | ---: | --- |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| blob job, {count} images | {jobs.Job:F0} ms ({count / jobs.Job * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| raw `BlobClient` loop (peer), {count} images | {jobs.Loop:F0} ms ({count / jobs.Loop * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| job throughput ÷ loop throughput | {jobs.Loop / jobs.Job:F2}× | ≥ 0.9× |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| of the job: its start (the embedded silo, the listing, the partitions) | {jobs.Setup:F0} ms | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| job throughput ÷ loop throughput, job start left out | {jobs.Loop / (jobs.Job - jobs.Setup):F2}× | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| write {Size >> 20} MiB: `AzureBlobStore` / raw SDK | {Rate(t.StoreWrite)} / {Rate(t.RawWrite)} = {t.RawWrite / t.StoreWrite:F2}× | ≥ 0.9× |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| read {Size >> 20} MiB: `AzureBlobStore` / raw SDK | {Rate(t.StoreRead)} / {Rate(t.RawRead)} = {t.RawRead / t.StoreRead:F2}× | ≥ 0.9× |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "blobs", section);
    }
}
