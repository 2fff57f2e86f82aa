using ItkWasm;
using ItkWasm.IO;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Embedded.Tests.Blobs;

/// <summary>Jobs whose datasets and results are Azure blobs (Azurite), on the embedded cluster: the same results as
/// the same job on folders, resume without transfers, exactly-once results under injected 503s, and a 2 GiB blob
/// streamed through in bounded memory.</summary>
[Collection("Cluster")]
public sealed class BlobJobTests(AzuriteFixture azurite, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<AzuriteFixture>, IDisposable
{
    private const int Items = 6;
    private readonly TempDirectory temp = new();

    public void Dispose()
    {
        azurite.Log.FailBeforeEvery = azurite.Log.FailAfterEvery = 0;
        temp.Dispose();
    }

    [Fact]
    public async Task BlobJob_MatchesTheFolderJob_ARerunTransfersNothing_AndOnlyAChangedBlobIsRecomputed()
    {
        var container = azurite.NewContainer();
        var stores = new BlobStores(azurite.Options());
        var (folderSpec, blobSpec) = await PrepareAsync(container, stores);
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2, Storage = azurite.Options() });

        var onFolders = await RunAsync(cluster, folderSpec);
        var onBlobs = await RunAsync(cluster, blobSpec);

        Assert.Equal(Items, onFolders.Counts.Succeeded);
        Assert.Equal(Items, onBlobs.Counts.Succeeded);
        var results = stores.Open(blobSpec.Output.Location);
        foreach (var item in onFolders.Items)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folderSpec.Output.Location, item.Output)), await ReadAsync(results, item.Output));
        }

        Assert.NotNull(await results.GetPropertiesAsync("job.json"));
        Assert.EndsWith("/out/job.json", onBlobs.Report, StringComparison.Ordinal);

        azurite.Log.Clear();
        var again = await RunAsync(cluster, blobSpec);
        Assert.Equal(Items, again.Counts.Succeeded);
        Assert.True(azurite.Log.Downloads() == 0 && azurite.Log.Uploads() == 0, azurite.Log.Describe());

        await UploadAsync(stores.Open(blobSpec.Input.Location), "item-2.iwi.cbor", fill: 200);
        azurite.Log.Clear();
        var changed = await RunAsync(cluster, blobSpec);
        Assert.Equal(Items, changed.Counts.Succeeded);
        Assert.Equal(1, azurite.Log.Downloads("/in/item-2.iwi.cbor"));
        Assert.Equal(1, azurite.Log.Downloads());
        Assert.Equal(1, azurite.Log.Uploads("/out/item-2.iwi.cbor"));
        Assert.Equal(2, azurite.Log.Uploads()); // the result, and job.json (whose item record changed)
        using var recomputed = ImageFile.Read(new MemoryStream(await ReadAsync(results, "item-2.iwi.cbor")), ItkWasmFileForm.Cbor, "item-2");
        Assert.Equal(255 - 200, recomputed.Data.AsSpan()[0]);
    }

    [Fact]
    public async Task Transient503s_BeforeAndAfterTheServiceActs_TheJobCompletes_WithEveryResultOnce()
    {
        var container = azurite.NewContainer();
        var stores = new BlobStores(azurite.Options());
        var (folderSpec, blobSpec) = await PrepareAsync(container, stores);
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2, Storage = azurite.Options() });
        var onFolders = await RunAsync(cluster, folderSpec);

        azurite.Log.FailBeforeEvery = 4;
        azurite.Log.FailAfterEvery = 7; // the upload went through, its answer was lost: the retry's If-None-Match: * gets 409
        var onBlobs = await RunAsync(cluster, blobSpec);
        azurite.Log.FailBeforeEvery = azurite.Log.FailAfterEvery = 0;

        Assert.True(azurite.Log.Injected > 0);
        Assert.Equal(Items, onBlobs.Counts.Succeeded);
        var results = stores.Open(blobSpec.Output.Location);
        var listed = new List<string>();
        await foreach (var blob in results.ListAsync(""))
        {
            listed.Add(blob.Name);
        }

        Assert.Equal(onFolders.Items.Select(i => i.Output).Append("job.json").Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        foreach (var item in onFolders.Items)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(folderSpec.Output.Location, item.Output)), await ReadAsync(results, item.Output));
        }
    }

    [Fact]
    public async Task A2GiBBlob_StreamsThroughACopy_InBoundedMemory()
    {
        const long size = 2L << 30;
        var stores = new BlobStores(azurite.Options());
        var store = stores.Open($"az://{azurite.NewContainer()}/");
        var block = new byte[8 << 20];
        await store.UploadAsync("big.bin", async (stream, ct) =>
        {
            for (long written = 0; written < size; written += block.Length)
            {
                BitConverter.TryWriteBytes(block, written); // every block differs
                await stream.WriteAsync(block, ct);
            }
        });

        ProcessMemory.ResetPeak();
        var before = ProcessMemory.PeakMiB();
        Assert.NotNull(await store.TryCreateAsync("copy.bin", async (stream, ct) =>
        {
            await using var source = await store.OpenReadAsync("big.bin", ct);
            await source.CopyToAsync(stream, 1 << 20, ct);
        }));
        var peak = ProcessMemory.PeakMiB() - before;
        output.WriteLine($"copying 2 GiB raised the peak resident set by {peak} MiB, to {ProcessMemory.PeakMiB()} MiB in all");

        Assert.Equal(size, (await store.GetPropertiesAsync("copy.bin"))!.Length);
        Assert.True(peak < 400 && ProcessMemory.PeakMiB() < 1024, $"the copy raised the peak resident set by {peak} MiB, to {ProcessMemory.PeakMiB()} MiB, for a 2048 MiB blob");
        var copy = (AzureBlobStore)store;
        await using var ranged = await copy.OpenRangedReadAsync("copy.bin");
        foreach (var offset in new[] { 0L, 1L << 30, size - block.Length })
        {
            ranged.Seek(offset, SeekOrigin.Begin);
            var head = new byte[8];
            await ranged.ReadExactlyAsync(head);
            Assert.Equal(offset, BitConverter.ToInt64(head));
        }
    }

    [Fact]
    public async Task OutputWithASas_WritesThrough_ButTheSasIsNeverShown()
    {
        var container = azurite.NewContainer();
        var stores = new BlobStores(azurite.Options());
        var (_, blobSpec) = await PrepareAsync(container, stores);
        var sas = azurite.Service.GenerateAccountSasUri(Azure.Storage.Sas.AccountSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1), Azure.Storage.Sas.AccountSasResourceTypes.All).Query.TrimStart('?');
        var spec = blobSpec with { Output = new OutputSpec { Location = $"{azurite.Service.GetBlobContainerClient(container).Uri}/sas-out/?{sas}" } };
        await using var cluster = await TestCluster.StartAsync(temp.Combine("grains"), temp.Combine("module-cache"), blobs: azurite.Options());
        var job = cluster.Client.GetGrain<IJobGrain>(JobIds.For(spec));

        await job.SubmitAsync(spec);
        await Eventually.UntilAsync(async () => (await job.GetStatusAsync())!.State != JobState.Running, "the job to end");

        var status = (await job.GetStatusAsync())!;
        Assert.Equal(JobState.Succeeded, status.State); // the SAS wrote the results and job.json
        Assert.NotNull(await stores.Open($"az://{container}/sas-out/").GetPropertiesAsync("job.json"));
        var shown = JobJson.ToJson(status).ToJsonString();
        Assert.Contains("/sas-out/", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("sig=", shown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedItem_OnBlobs_ReadsRangesStagesItsChunksAndCommitsOnce_TheFolderJobsBytes()
    {
        var container = azurite.NewContainer();
        var stores = new BlobStores(azurite.Options());
        var folder = Directory.CreateDirectory(temp.Combine("chunked-in")).FullName;
        var blobs = stores.Open($"az://{container}/in/");
        using (var volume = new Image(new ImageType(3, ComponentType.Int16)) { Size = [150, 40, 24], Spacing = [0.5, 0.5, 2] })
        {
            volume.Data.Dispose();
            volume.Data = DataBuffer.Allocate(volume.ByteLength);
            new Random(23).NextBytes(volume.Data.AsSpan());
            // The same volume uncompressed, compressed (decompressed once into a spill) and as an .iwi directory.
            foreach (var name in new[] { "volume.iwi.cbor", "packed.iwi.cbor.zst", "tiles.iwi" })
            {
                ImageFile.Write(volume, Path.Combine(folder, name));
            }

            // Raw MetaImage and NRRD files, their headers read by a ranged GET, their pixels by chunks.
            foreach (var file in new[] { "itk-wasm/tooth.nrrd", "itk-examples/BrainProtonDensity3Slices.mha", "itk-examples/BrainProtonDensity3Slices.raw" })
            {
                File.Copy(SharedData.Path(file), Path.Combine(folder, Path.GetFileName(file)));
            }

            foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
            {
                await blobs.UploadAsync(Path.GetRelativePath(folder, file), async (stream, ct) =>
                {
                    await using var source = File.OpenRead(file);
                    await source.CopyToAsync(stream, ct);
                });
            }
        }

        var spec = ClusterFixture.Downsample(folder, temp.Combine("chunked-out")) with { Chunking = new ChunkingSpec { Size = [150, 40, 6] } };
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2, Storage = azurite.Options() });
        var onFolders = await RunAsync(cluster, spec);
        azurite.Log.Clear();
        var onBlobs = await RunAsync(cluster, spec with { Input = new DatasetSpec { Location = $"az://{container}/in/" }, Output = new OutputSpec { Location = $"az://{container}/out/" } });

        Assert.Equal(new[] { "BrainProtonDensity3Slices.mha", "packed.iwi.cbor.zst", "tiles.iwi", "tooth.nrrd", "volume.iwi.cbor" }, onBlobs.Items.Select(i => i.Input));
        foreach (var each in onBlobs.Items.Concat(onFolders.Items))
        {
            Assert.True(each.Status == ItemStatus.Succeeded, $"{each.Input}: {each.Error}");
            Assert.True(each.ChunksTotal > 1, $"{each.Input} ran as {each.ChunksTotal} chunks");
        }

        var expected = await File.ReadAllBytesAsync(Path.Combine(temp.Combine("chunked-out"), "volume.iwi.cbor"));
        foreach (var each in onBlobs.Items)
        {
            var fromBlobs = await ReadAsync(stores.Open($"az://{container}/out/"), each.Output);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("chunked-out"), each.Output)), fromBlobs);
            if (each.Input.Contains(".iwi", StringComparison.Ordinal))
            {
                Assert.Equal(4, each.ChunksTotal); // 24 slices by 6
                Assert.Equal(expected, fromBlobs);
            }
        }

        // The spill of the compressed input is gone once its result is committed; nothing hidden is left.
        Assert.Empty(azurite.Service.GetBlobContainerClient(container).GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "out/.", CancellationToken.None).Select(b => b.Name));
        Assert.Empty(Directory.GetFiles(temp.Combine("chunked-out"), ".*"));
        var item = Assert.Single(onBlobs.Items, i => i.Input == "volume.iwi.cbor");
        var requests = azurite.Log.Requests.Where(r => r.Path.EndsWith("/out/" + item.Output, StringComparison.Ordinal)).ToList();
        Assert.Equal(1, requests.Count(r => r.Method == "PUT" && r.Query.Contains("comp=blocklist", StringComparison.Ordinal)));
        Assert.Equal(1 + item.ChunksTotal, requests.Count(r => r.Method == "PUT" && r.Query.Contains("comp=block", StringComparison.Ordinal) && !r.Query.Contains("comp=blocklist", StringComparison.Ordinal) && r.Status < 300)); // the prefix, a block per chunk
        Assert.DoesNotContain(requests, r => r.Method == "PUT" && !r.Query.Contains("comp=", StringComparison.Ordinal)); // no whole-blob upload
        var stored = await stores.Open($"az://{container}/out/").GetPropertiesAsync(item.Output);
        Assert.Equal(stored!.ContentHash, item.ResultHash); // its own Content-MD5, set once: a re-run reuses it without a download
        Assert.StartsWith("md5:", item.ResultHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OmeZarr_ReadFromAndWrittenToBlobs_ByChunks_IsTheFolderJobsResult()
    {
        var container = azurite.NewContainer();
        var stores = new BlobStores(azurite.Options());
        var folder = Directory.CreateDirectory(temp.Combine("zarr-in")).FullName;
        ZarrWriter.Write(Path.Combine(folder, "image.ome.zarr"), new { zarr = 2, dtype = "uint16", codec = "blosc-lz4", shape = new[] { 8, 40, 50 }, chunks = new[] { 4, 16, 16 }, axes = new[] { "z", "y", "x" }, scale = new[] { 2.0, 1.0, 1.0 }, translation = new[] { 0.0, 5.0, -5.0 } });
        var blobs = stores.Open($"az://{container}/in/");
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            await blobs.UploadAsync(Path.GetRelativePath(folder, file), async (stream, ct) =>
            {
                await using var source = File.OpenRead(file);
                await source.CopyToAsync(stream, ct);
            });
        }

        var spec = ClusterFixture.Downsample(folder, temp.Combine("zarr-out")) with
        {
            Output = new OutputSpec { Location = temp.Combine("zarr-out"), Format = OutputSpec.OmeZarr, Chunks = [8, 8, 2], Compressor = "blosc-zstd" },
            Chunking = new ChunkingSpec { Size = [50, 16, 8] },
        };
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2, Storage = azurite.Options() });
        var onFolders = await RunAsync(cluster, spec);
        var onBlobs = await RunAsync(cluster, spec with { Input = new DatasetSpec { Location = $"az://{container}/in/" }, Output = spec.Output with { Location = $"az://{container}/out/" } });

        var item = Assert.Single(onBlobs.Items);
        Assert.Equal(("image.ome.zarr", "image.ome.zarr"), (item.Input, item.Output));
        Assert.True(item.ChunksTotal > 1, $"{item.ChunksTotal} chunks");
        Assert.Equal(Assert.Single(onFolders.Items).ResultHash, item.ResultHash); // the same objects, by key and MD5
        var written = azurite.Service.GetBlobContainerClient(container).GetBlobs(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, "out/image.ome.zarr/", CancellationToken.None).Select(b => b.Name["out/".Length..]).Order(StringComparer.Ordinal).ToList();
        var files = Directory.GetFiles(Path.Combine(temp.Combine("zarr-out"), "image.ome.zarr"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(temp.Combine("zarr-out"), f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, written);
        foreach (var name in written)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("zarr-out"), name)), await ReadAsync(stores.Open($"az://{container}/out/"), name));
        }
    }

    private async Task<(JobSpec Folder, JobSpec Blob)> PrepareAsync(string container, BlobStores stores)
    {
        var folder = Directory.CreateDirectory(temp.Combine($"in-{container}")).FullName;
        var blobs = stores.Open($"az://{container}/in/");
        for (var i = 0; i < Items; i++)
        {
            using var image = Filled(i * 10);
            ImageFile.Write(image, Path.Combine(folder, $"item-{i}.iwi.cbor"));
            await UploadAsync(blobs, $"item-{i}.iwi.cbor", i * 10);
        }

        var spec = new JobSpec
        {
            Name = "blobs",
            Input = new DatasetSpec { Location = folder },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate") }],
            Output = new OutputSpec { Location = temp.Combine($"out-{container}") },
            Retries = 1,
        };
        return (spec, spec with
        {
            Input = new DatasetSpec { Location = $"az://{container}/in/" },
            Output = new OutputSpec { Location = $"az://{container}/out/" },
        });
    }

    private static async Task UploadAsync(IBlobStore store, string name, int fill)
    {
        using var image = Filled(fill);
        await store.UploadAsync(name, (stream, _) =>
        {
            ImageFile.Write(image, stream, ItkWasmFileForm.Cbor);
            return Task.CompletedTask;
        });
    }

    private static Image Filled(int value)
    {
        var image = new Image(new ImageType()) { Size = [16, 16], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        image.Data.AsSpan().Fill((byte)value);
        return image;
    }

    private static async Task<JobSummary> RunAsync(EmbeddedCluster cluster, JobSpec spec)
    {
        await using var job = await cluster.StartJobAsync(spec);
        var summary = await job.Completion;
        Assert.True(summary.State == JobState.Succeeded, string.Join("; ", summary.Items.Select(i => i.Error)));
        return summary;
    }

    private static async Task<byte[]> ReadAsync(IBlobStore store, string name)
    {
        await using var stream = await store.OpenReadAsync(name);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
