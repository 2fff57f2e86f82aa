using System.Numerics;
using System.Text.Json.Nodes;
using ItkWasm;
using ItkWasm.IO;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Workers;

/// <summary>Items run by chunks on the embedded cluster: each chunk an attempt of its own, the result assembled at its
/// name; byte for byte the result of the item run whole, for chunk sizes that do and do not divide the image, on the
/// module and on the SIMD override; and items that must be chunked but cannot be fail saying what to change.</summary>
[Collection("Cluster")]
public class ChunkedItemTests
{
    [Theory]
    [InlineData(StageAccelerator.Wasm)]
    [InlineData(StageAccelerator.Auto)]
    public async Task Downsample_ByChunks_GivesTheUnchunkedBytes_ForEveryTypeSizeAndDirection(StageAccelerator accelerator)
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        // Rows over 128 pixels wide, where downsample's resampling rounds positions along a row (see ChunkRule.WholeRows).
        Write(input, "u8-3d.iwi.cbor", ComponentType.UInt8, [150, 37, 23], rotated: false);
        Write(input, "i16-3d-rotated.iwi.cbor", ComponentType.Int16, [133, 30, 17], rotated: true);
        Write(input, "f32-3d.iwi.cbor", ComponentType.Float32, [130, 20, 16], rotated: false);
        Write(input, "u8-2d-rotated.iwi.cbor", ComponentType.UInt8, [181, 97], rotated: true);
        Write(input, "f32-2d.iwi.cbor", ComponentType.Float32, [140, 36], rotated: false);
        Write(input, "i16-3d-packed.iwi.cbor.zst", ComponentType.Int16, [131, 29, 15], rotated: true); // decompressed once, into a spill
        Write(input, "u8-3d-folder.iwi", ComponentType.UInt8, [151, 21, 9], rotated: false); // an .iwi directory: one item
        var downsample = ClusterFixture.Downsample(input, temp.Combine("whole"));
        var whole = downsample with { Stages = [downsample.Stages[0] with { Accelerator = accelerator }], Chunking = ChunkingSpec.Off };

        var reference = await ClusterFixture.RunAsync(whole);
        var divides = await ClusterFixture.RunAsync(whole with { Output = new OutputSpec { Location = temp.Combine("divides") }, Chunking = new ChunkingSpec { Size = [8, 8, 8] } });
        var ragged = await ClusterFixture.RunAsync(whole with { Output = new OutputSpec { Location = temp.Combine("ragged") }, Chunking = new ChunkingSpec { Size = [14, 10, 6] } });

        Assert.Equal(7, reference.Items.Count);
        Assert.All(reference.Items, i => Assert.Equal((ItemStatus.Succeeded, 0), (i.Status, i.ChunksTotal)));
        var expected = accelerator == StageAccelerator.Auto && Vector.IsHardwareAccelerated ? "simd" : "wasm";
        foreach (var (summary, folder) in new[] { (divides, "divides"), (ragged, "ragged") })
        {
            foreach (var item in summary.Items)
            {
                Assert.True(item.Status == ItemStatus.Succeeded, $"{folder}/{item.Input}: {item.Error}");
                Assert.True(item.ChunksTotal > 1, $"{folder}/{item.Input} ran as {item.ChunksTotal} chunks");
                Assert.Equal(item.ChunksTotal, item.ChunksDone);
                Assert.Equal(expected, item.Implementations);
                Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("whole"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine(folder), item.Output)));
            }

            // Nothing but the results (and the job's report) is left in the output folder: no assembly files, no spill.
            Assert.Equal(summary.Items.Select(i => i.Output).Append("job.json").Order(StringComparer.Ordinal), Directory.GetFiles(temp.Combine(folder)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(temp.Combine(folder), "job.json")))!;
            Assert.All(report["items"]!.AsArray(), i => Assert.Equal(i!["chunks"]!["total"]!.GetValue<int>(), i["chunks"]!["done"]!.GetValue<int>()));
        }

        // 150 × 37 × 23 by 14 × 10 × 6 input pixels: whole rows (75) × 5 × 3 result pixels per chunk over 75 × 18 × 11,
        // so 1 × 4 × 4 chunks.
        Assert.Equal(16, Assert.Single(ragged.Items, i => i.Input == "u8-3d.iwi.cbor").ChunksTotal);
    }

    [Fact]
    public async Task RawMetaImageAndNrrd_AreReadByChunks_ACompressedOneFromItsSpill_AndGiveTheUnchunkedBytes()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        foreach (var file in new[] { "itk-wasm/tooth.nrrd", "itk-examples/BrainProtonDensity3Slices.mha", "itk-examples/BrainProtonDensity3Slices.raw", "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", "itk-examples/BrainProtonDensitySliceBorder20.zraw" })
        {
            File.Copy(SharedData.Path(file), Path.Combine(input, Path.GetFileName(file)));
        }

        using (var runtime = new ItkWasm.Runtime.WasmRuntime())
        {
            // A gzip-encoded NRRD, as ITK writes it compressed.
            var io = new ItkWasm.Pipelines.ImageIo(runtime);
            using var tooth = await io.ReadAsync(Path.Combine(input, "tooth.nrrd"));
            await io.WriteAsync(tooth, Path.Combine(input, "tooth-gzip.nrrd"), useCompression: true);
        }

        Assert.Contains("encoding: gzip", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(Path.Combine(input, "tooth-gzip.nrrd")).AsSpan(0, 400)), StringComparison.Ordinal);
        var downsample = ClusterFixture.Downsample(input, temp.Combine("whole"));
        var whole = downsample with { Stages = [downsample.Stages[0] with { Accelerator = StageAccelerator.Wasm }], Chunking = ChunkingSpec.Off };

        var reference = await ClusterFixture.RunAsync(whole);
        var chunked = await ClusterFixture.RunAsync(whole with { Output = new OutputSpec { Location = temp.Combine("chunked") }, Chunking = new ChunkingSpec { Size = [1000, 40, 16] } });

        Assert.Equal(4, chunked.Items.Count);
        Assert.Empty(Directory.GetFiles(temp.Combine("chunked"), ".*")); // no spill left
        foreach (var item in chunked.Items)
        {
            Assert.True(item.Status == ItemStatus.Succeeded, $"{item.Input}: {item.Error}");
            Assert.True(item.ChunksTotal > 1, $"{item.Input} ran as {item.ChunksTotal} chunks"); // the compressed one (.zraw) decompressed once into a spill
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("whole"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("chunked"), item.Output)));
        }

        Assert.All(reference.Items, i => Assert.Equal(ItemStatus.Succeeded, i.Status));
    }

    [Fact]
    public async Task OmeZarrImages_AreItems_ReadWholeOrByTheirChunks_AsTheSameImageInAFile()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        var shape = new { shape = new[] { 6, 20, 30 }, axes = new[] { "z", "y", "x" }, scale = new[] { 2.0, 0.5, 0.5 }, translation = new[] { 1.0, 2.0, 3.0 }, unit = "micrometer" };
        ZarrWriter.Write(Path.Combine(input, "v2.ome.zarr"), new { zarr = 2, dtype = "uint16", codec = "blosc-zstd", chunks = new[] { 2, 5, 8 }, shape.shape, shape.axes, shape.scale, shape.translation, shape.unit });
        ZarrWriter.Write(Path.Combine(input, "v3.zarr"), new { zarr = 3, dtype = "uint16", codec = "zstd", chunks = new[] { 2, 5, 8 }, shard = new[] { 2, 10, 16 }, shape.shape, shape.axes, shape.scale, shape.translation, shape.unit });
        using (var image = await (await ItkWasm.Zarr.OmeZarrImage.OpenAsync(new ItkWasm.Zarr.ZarrFolderStore(Path.Combine(input, "v2.ome.zarr")))).ReadAsync())
        {
            ImageFile.Write(image, Path.Combine(input, "file.iwi.cbor")); // the same image in a file
        }

        var downsample = ClusterFixture.Downsample(input, temp.Combine("whole"));
        var whole = downsample with { Stages = [downsample.Stages[0] with { Accelerator = StageAccelerator.Wasm }], Chunking = ChunkingSpec.Off };

        var reference = await ClusterFixture.RunAsync(whole);
        var chunked = await ClusterFixture.RunAsync(whole with { Output = new OutputSpec { Location = temp.Combine("chunked") }, Chunking = new ChunkingSpec { Size = [30, 10, 4] } });
        var missing = await ClusterFixture.RunAsync(whole with { Input = whole.Input with { Level = 2, Include = ["*.zarr"] }, Output = new OutputSpec { Location = temp.Combine("level") } });

        Assert.Equal(["file.iwi.cbor", "v2.ome.zarr", "v3.zarr"], reference.Items.Select(i => i.Input));
        Assert.All(reference.Items, i => Assert.True(i.Status == ItemStatus.Succeeded, $"{i.Input}: {i.Error}"));
        // The v2 image whole is the file's result; the sharded v3 one (some inner chunks left empty) has its own.
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("whole"), "file.iwi.cbor")), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("whole"), "v2.iwi.cbor")));
        foreach (var item in chunked.Items)
        {
            Assert.True(item.Status == ItemStatus.Succeeded, $"{item.Input}: {item.Error}");
            Assert.Equal(4, item.ChunksTotal); // 20 rows by 10, 6 planes by 4
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("whole"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("chunked"), item.Output)));
        }

        Assert.Equal(2, missing.Items.Count);
        Assert.All(missing.Items, i => Assert.Contains("levels 0 to 0, not level 2", i.Error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeclaredHalo_ChunksAPipelineTheProjectDoesNotKnow_AndCutsTheHaloOff()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        using (var vector = Random(ComponentType.Float64, [23, 19], rotated: true, components: 3))
        {
            ImageFile.Write(vector, Path.Combine(input, "vector.iwi.cbor"));
        }

        JobSpec Spec(string output, ChunkingSpec chunking, IReadOnlyList<long>? halo) => new()
        {
            Name = "magnitude",
            Input = new DatasetSpec { Location = input },
            Stages = [new StageSpec { Pipeline = SharedData.Path("itk-wasm/wasi/vector-magnitude.wasi.wasm"), Halo = halo }],
            Output = new OutputSpec { Location = temp.Combine(output) },
            Chunking = chunking,
            Retries = 0,
        };

        var whole = await ClusterFixture.RunAsync(Spec("whole", ChunkingSpec.Off, null));
        var chunked = await ClusterFixture.RunAsync(Spec("chunked", new ChunkingSpec { Size = [7, 5] }, [2]));
        var unknown = await ClusterFixture.RunAsync(Spec("unknown", new ChunkingSpec { Size = [7, 5] }, null));

        Assert.Equal(ItemStatus.Succeeded, Assert.Single(whole.Items).Status);
        var item = Assert.Single(chunked.Items);
        Assert.True(item.Status == ItemStatus.Succeeded, item.Error);
        Assert.Equal(16, item.ChunksTotal); // ceil(23 / 7) × ceil(19 / 5)
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("whole"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("chunked"), item.Output)));
        var refused = Assert.Single(unknown.Items);
        Assert.Equal(ItemStatus.Failed, refused.Status);
        Assert.Contains("has no known halo: declare the pixels it reads around each pixel with halo: N", refused.Error, StringComparison.Ordinal);
        Assert.Contains("chunking: off", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnItemThatMustBeChunked_ButCannotBe_FailsNamingChunking()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        Write(input, "volume.iwi.cbor", ComponentType.UInt8, [16, 16, 8], rotated: false);
        var downsample = ClusterFixture.Downsample(input, temp.Combine("two-stages"));
        var twoStages = downsample with { Stages = [downsample.Stages[0], downsample.Stages[0]], Chunking = new ChunkingSpec { Size = [8, 8, 8] }, Retries = 0 };

        var twice = await ClusterFixture.RunAsync(twoStages);
        var compressed = await ClusterFixture.RunAsync(twoStages with { Stages = [downsample.Stages[0]], Output = new OutputSpec { Location = temp.Combine("zst"), Format = ".iwi.cbor.zst" } });

        Assert.Contains("only a job of one stage runs by chunks", Assert.Single(twice.Items).Error, StringComparison.Ordinal);
        Assert.Contains("a result assembled from chunks is written as .iwi.cbor or .ome.zarr: set output.format: .iwi.cbor (or .ome.zarr), or chunking: off", Assert.Single(compressed.Items).Error, StringComparison.Ordinal);
        Assert.All(twice.Items.Concat(compressed.Items), i => Assert.Equal(ItemStatus.Failed, i.Status));
    }

    [Fact]
    public void Auto_ChunksInSlabsOfWholeRows_RunsWholeWhatItCannotChunkUpToAGibibyte_AndRefusesItBeyond()
    {
        using var runtime = new ItkWasm.Runtime.WasmRuntime();
        var stage = ClusterFixture.Downsample("in", "out").Stages[0];
        var implementations = StageImplementations.For([], []);
        StagePlan Plan(int position) => new(stage, position, new ItkWasm.Pipelines.Pipeline(ItkWasm.Pipelines.PipelineReference.Parse(stage.Pipeline), runtime), "key", implementations, TimeProvider.System);
        ItemChunks Chunks(int stages) => new(ClusterFixture.Downsample("in", "out") with { Stages = [.. Enumerable.Repeat(stage, stages)] }, null!, null!, [.. Enumerable.Range(0, stages).Select(Plan)], new ItkWasm.Pipelines.ImageIo(runtime));
        ChunkSource Volume(long slices) => ChunkSource.Of(new ItkWasm.Chunks.ImageLayout(new Image(new ImageType(3, ComponentType.UInt8)) { Size = [1024, 1024, slices] }, 100), null!, "volume.iwi.cbor");

        Assert.Null(Chunks(1).Decide(Volume(256)));                         // 256 MiB: whole
        Assert.Equal([512L, 512, 32], Chunks(1).Decide(Volume(384))!);      // slabs of 64 MiB: 64 slices in, 32 out
        Assert.Null(Chunks(2).Decide(Volume(384)));                         // two stages: whole, as before
        var refused = Assert.Throws<StageException>(() => Chunks(2).Decide(Volume(1100)));
        Assert.Contains("larger than a wasm32 module can run whole (1073741824 bytes), and only a job of one stage runs by chunks", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModuleThatRunsOutOfWasmMemory_IsReportedAsThat_WithWhatToChange()
    {
        var pipeline = ItkWasm.Pipelines.PipelineReference.Parse("@itk-wasm/downsample:downsample");
        var abort = new ItkWasm.Pipelines.PipelineRunException(pipeline, ItkWasm.Pipelines.PipelineFailureKind.Trap, "Aborted(). Build with -sASSERTIONS for more info.", string.Empty, string.Empty);

        var whole = ItkWasmCluster.Grains.Workers.ItemRunner.OutOfMemory(abort, 1L << 30, ChunkingSpec.Off, chunked: false);
        var chunk = ItkWasmCluster.Grains.Workers.ItemRunner.OutOfMemory(abort, 600L << 20, new ChunkingSpec { Size = [4096, 4096, 64] }, chunked: true);

        Assert.NotNull(whole);
        Assert.Equal(ItkWasm.Pipelines.PipelineFailureKind.OutOfMemory, whole.Kind);
        Assert.Equal(
            "@itk-wasm/downsample:downsample ran out of memory (it needed more than the 4 GiB a wasm32 module can address, on an item of 1073741824 bytes; chunking: off: set chunking: auto (or { size: [X, Y, Z] }) to run it by chunks; the module: Aborted(). Build with -sASSERTIONS for more info.)",
            whole.Summary);
        Assert.Contains("on a chunk of 629145600 bytes; chunking: size [4096, 4096, 64]: set a smaller chunking: { size: [X, Y, Z] }", chunk!.Summary, StringComparison.Ordinal);
        Assert.Null(ItkWasmCluster.Grains.Workers.ItemRunner.OutOfMemory(abort, 1L << 20, ChunkingSpec.Auto, chunked: false)); // a small image's trap is its own
    }

    private static void Write(string folder, string name, ComponentType type, long[] size, bool rotated)
    {
        using var image = Random(type, size, rotated);
        ImageFile.Write(image, Path.Combine(folder, name));
    }

    // Random pixels (no NaNs) on a grid with a non-trivial origin and spacing, and a rotated direction if asked.
    private static Image Random(ComponentType type, long[] size, bool rotated, int components = 1)
    {
        var dimension = size.Length;
        var direction = Image.IdentityDirection(dimension);
        if (rotated)
        {
            (direction[0], direction[1], direction[dimension], direction[dimension + 1]) = (0.8, -0.6, 0.6, 0.8);
        }

        var image = new Image(new ImageType(dimension, type, components == 1 ? PixelType.Scalar : PixelType.VariableLengthVector, components))
        {
            Size = size,
            Origin = [.. Enumerable.Range(0, dimension).Select(d => -12.5 + (3.25 * d))],
            Spacing = [.. Enumerable.Range(0, dimension).Select(d => 0.7 + (0.15 * d))],
            Direction = direction,
        };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        var random = new Random(size.Aggregate(17, (h, s) => (h * 31) + (int)s));
        switch (type)
        {
            case ComponentType.Float32:
                foreach (ref var v in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(image.Data.AsSpan()))
                {
                    v = (float)((random.NextDouble() * 200) - 100);
                }

                break;
            case ComponentType.Float64:
                foreach (ref var v in System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(image.Data.AsSpan()))
                {
                    v = (random.NextDouble() * 200) - 100;
                }

                break;
            default:
                random.NextBytes(image.Data.AsSpan());
                break;
        }

        return image;
    }
}
