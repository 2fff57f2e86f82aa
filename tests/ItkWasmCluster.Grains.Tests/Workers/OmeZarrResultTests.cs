using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Zarr;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Workers;

/// <summary>Results written as OME-Zarr (<c>output.format: .ome.zarr</c>): zarrita reads them with the values and the
/// project reads them with the grid of the same job's <c>.iwi.cbor</c> results; an item run by chunks writes the
/// result it writes whole; a re-run rewrites nothing.</summary>
[Collection("Cluster")]
public class OmeZarrResultTests
{
    [Theory]
    [InlineData("0.4", "blosc-zstd")]
    [InlineData("0.5", "zstd")]
    public async Task Results_AsOmeZarr_WholeOrByChunks_AreTheFileResults(string ngff, string compressor)
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        foreach (var (name, type, size) in new[] { ("volume.iwi.cbor", ComponentType.UInt8, new long[] { 150, 37, 23 }), ("slice.iwi.cbor", ComponentType.Float32, new long[] { 61, 40 }) })
        {
            using var image = new Image(new ImageType(size.Length, type)) { Size = size, Spacing = [.. size.Select((_, d) => 0.5 + d)], Origin = [.. size.Select((_, d) => -1.0 * d)] };
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            new Random(size.Length).NextBytes(image.Data.AsSpan());
            if (type == ComponentType.Float32)
            {
                var values = image.Data.AsSpan<float>(0, (int)image.PixelCount);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = i * 0.25f;
                }
            }

            ImageFile.Write(image, Path.Combine(input, name));
        }

        var downsample = ClusterFixture.Downsample(input, temp.Combine("files"));
        var files = downsample with { Stages = [downsample.Stages[0] with { Accelerator = StageAccelerator.Wasm }], Chunking = ChunkingSpec.Off };
        var zarr = files with { Output = new OutputSpec { Location = temp.Combine("whole"), Format = OutputSpec.OmeZarr, Ngff = ngff, Compressor = compressor, Chunks = [16, 8, 4] } };

        var reference = await ClusterFixture.RunAsync(files);
        var whole = await ClusterFixture.RunAsync(zarr);
        var chunked = await ClusterFixture.RunAsync(zarr with { Output = zarr.Output with { Location = temp.Combine("chunked") }, Chunking = new ChunkingSpec { Size = [150, 10, 6] } });
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(temp.Combine("whole"), "volume.ome.zarr", ngff == "0.4" ? "0/0/0/0" : "0/c/0/0/0"));
        var again = await ClusterFixture.RunAsync(zarr with { Name = "another-job" }); // runs the items again, into the same results

        Assert.All(reference.Items.Concat(whole.Items).Concat(chunked.Items), i => Assert.True(i.Status == ItemStatus.Succeeded, $"{i.Input}: {i.Error}"));
        Assert.Equal(["slice.ome.zarr", "volume.ome.zarr"], whole.Items.Select(i => i.Output));
        Assert.True(Assert.Single(chunked.Items, i => i.Input == "volume.iwi.cbor").ChunksTotal > 1);
        foreach (var item in whole.Items)
        {
            using var file = ImageFile.Read(Path.Combine(temp.Combine("files"), item.Output.Replace(".ome.zarr", ".iwi.cbor", StringComparison.Ordinal)));
            foreach (var folder in new[] { "whole", "chunked" })
            {
                var root = Path.Combine(temp.Combine(folder), item.Output);
                var (array, values) = ZarrWriter.Read(root);
                using var back = await (await OmeZarrImage.OpenAsync(new ZarrFolderStore(root))).ReadAsync();

                Assert.Equal(file.Data.AsSpan().ToArray(), values); // scalar pixels: the same C-order buffer
                Assert.Equal(file.Size.Reverse(), array.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
                Assert.Equal(file.Data.AsSpan().ToArray(), back.Data.AsSpan().ToArray());
                Assert.Equal(file.Spacing, back.Spacing);
                Assert.Equal(file.Origin, back.Origin);
                Assert.Empty(Directory.GetFiles(root, ".*.tmp", SearchOption.AllDirectories));
            }

            // The chunked result is the whole one, object for object; the other job wrote the same result again.
            Assert.Equal(item.ResultHash, Assert.Single(chunked.Items, i => i.Output == item.Output).ResultHash);
            Assert.StartsWith("zarr:", item.ResultHash, StringComparison.Ordinal);
            Assert.Equal(item.ResultHash, Assert.Single(again.Items, i => i.Output == item.Output).ResultHash);
        }

        Assert.Equal(stamp, File.GetLastWriteTimeUtc( // its objects were not rewritten
            Path.Combine(temp.Combine("whole"), "volume.ome.zarr", ngff == "0.4" ? "0/0/0/0" : "0/c/0/0/0")));
    }

    [Fact]
    public async Task Multiscales_WritesEachLevelAsTheDownsampleOfTheLevelAbove()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        foreach (var (name, size) in new[] { ("volume.iwi.cbor", new long[] { 64, 40, 20 }), ("slice.iwi.cbor", new long[] { 90, 61 }) })
        {
            using var image = new Image(new ImageType(size.Length, ComponentType.UInt16)) { Size = size, Spacing = [.. size.Select((_, d) => 0.3 + d)], Origin = [.. size.Select((_, d) => 2.0 * d)] };
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            new Random(size.Length).NextBytes(image.Data.AsSpan());
            ImageFile.Write(image, Path.Combine(input, name));
        }

        var pyramid = JobSpecParser.Parse(
            $"{{\"name\": \"pyramid\", \"input\": \"{input}\", \"stages\": [{{\"multiscales\": {{\"levels\": 2, \"method\": \"itkwasm_gaussian\"}}}}], \"output\": {{\"location\": \"{temp.Combine("pyramid")}\", \"format\": \".ome.zarr\", \"chunks\": [16, 16, 8]}}}}",
            yaml: false);
        var level1 = ClusterFixture.Downsample(input, temp.Combine("level1"));
        var level2 = ClusterFixture.Downsample(temp.Combine("level1"), temp.Combine("level2"), "*.iwi.cbor");

        var made = await ClusterFixture.RunAsync(pyramid);
        Assert.All((await ClusterFixture.RunAsync(level1)).Items, i => Assert.Equal(ItemStatus.Succeeded, i.Status));
        Assert.All((await ClusterFixture.RunAsync(level2)).Items, i => Assert.Equal(ItemStatus.Succeeded, i.Status));
        var tooMany = await ClusterFixture.RunAsync(JobSpecParser.Parse(JobSpecParser.ToJson(pyramid).ToJsonString().Replace("\"levels\":2", "\"levels\":6", StringComparison.Ordinal).Replace("/pyramid", "/too-many", StringComparison.Ordinal), yaml: false));

        foreach (var item in made.Items)
        {
            Assert.True(item.Status == ItemStatus.Succeeded, $"{item.Input}: {item.Error}");
            var root = Path.Combine(temp.Combine("pyramid"), item.Output);
            var store = new ZarrFolderStore(root);
            var levels = new[] { Path.Combine(input, item.Input), Path.Combine(temp.Combine("level1"), item.Input), Path.Combine(temp.Combine("level2"), item.Input) };
            for (var k = 0; k < levels.Length; k++)
            {
                using var expected = ImageFile.Read(levels[k]);
                var level = await OmeZarrImage.OpenAsync(store, k);
                using var read = await level.ReadAsync();
                var (array, values) = ZarrWriter.Read(root, k.ToString(System.Globalization.CultureInfo.InvariantCulture));

                Assert.Equal(3, level.Levels);
                Assert.Equal(expected.Data.AsSpan().ToArray(), read.Data.AsSpan().ToArray()); // level k = downsample(level k - 1)
                Assert.Equal(expected.Data.AsSpan().ToArray(), values);
                Assert.Equal(expected.Spacing, read.Spacing);
                Assert.Equal(expected.Origin, read.Origin);
                var multiscale = array.GetProperty("attributes").GetProperty("multiscales")[0];
                Assert.Equal("itkwasm_gaussian", multiscale.GetProperty("type").GetString());
                Assert.Equal(3, multiscale.GetProperty("datasets").GetArrayLength());
            }
        }

        Assert.All(tooMany.Items, i => Assert.Contains("too few for 6 levels", i.Error, StringComparison.Ordinal));
        Assert.Equal(2, tooMany.Items.Count);
    }
}
