using ItkWasm.Chunks;
using ItkWasm.Pipelines;
using ItkWasm.Tests.Pipelines;

namespace ItkWasm.Tests.Chunks;

/// <summary>
/// <c>@itk-wasm/downsample</c>'s own modules (npm, on Node) run by <see cref="ChunkedRun"/>: chunk by chunk, each read
/// with its rule's halo and put in place, in whole rows (downsample's resampling rounds a pixel's position along its row
/// by the row's width and start; in rows 181 wide, x = 63 of the plain run differs by one from a row cut elsewhere). On
/// the index grid (origin 0, spacing 1, identity direction) the result is the whole image's, byte for byte, for every
/// chunking. On an image's own grid the result has the grid the module gives
/// the whole image, exactly, and the same bytes for every chunking. (Run there directly, chunks would not match: the
/// modules round the mapping of output pixels to input positions differently for each origin; measured, 3% of the
/// pixels of a uint8 volume of spacing 0.7 then differ by one.)
/// </summary>
[Collection("NodeRuntime")]
public class ChunkedDownsampleTests(NodeRuntimeFixture fixture)
{
    public static TheoryData<ComponentType, long[], int[], long[]> Cases { get; } = new()
    {
        { ComponentType.UInt8, [37, 33, 29], [2, 2, 2], [7, 6, 5] },  // chunks that do not divide the grid
        { ComponentType.Int16, [36, 30, 24], [3, 3, 2], [4, 5, 4] },  // chunks that do
        { ComponentType.Float32, [41, 23, 17], [2, 3, 4], [5, 3, 2] },
        { ComponentType.UInt8, [121, 87], [3, 2], [8, 11] },          // 2-D tiles
        { ComponentType.Float32, [64, 50], [4, 5], [3, 5] },
        { ComponentType.UInt8, [181, 217, 3], [2, 2, 2], [90, 108, 1] }, // thinner than the halo; rows long enough
        { ComponentType.UInt8, [181, 217, 9], [2, 2, 2], [45, 20, 3] },  // that a row's positions round (x = 63)
        { ComponentType.UInt8, [181, 217], [2, 2], [30, 7] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Downsample_ByChunksWithTheRulesHalo_IsTheWholeImagesResult(ComponentType type, long[] size, int[] factors, long[] chunk)
    {
        using var image = Random(type, size);
        var reference = PipelineReference.Parse("@itk-wasm/downsample:downsample");
        var downsample = new Pipeline(reference, fixture.Runtime);
        string[] shrink = ["--shrink-factors", .. factors.Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        var rule = ChunkRule.Known(reference, shrink, size.Length)!;
        Assert.Equal(0, rule.Halo[0]); // whole rows
        Assert.All(rule.Halo.Skip(1), h => Assert.InRange(h, 1, 16));

        using var whole = (await downsample.RunAsync(["0", "0", .. shrink], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])).Output<Image>(0);
        using var chunked = await ChunkedRun.RunAsync(image, rule, shrink, chunk, Stage(downsample));

        Assert.True(whole.Data.ContentEquals(chunked.Data), $"{type} {string.Join('×', size)} by {string.Join('×', factors)} in chunks of {string.Join('×', chunk)}, halo {string.Join('×', rule.Halo)}");
    }

    [Fact]
    public async Task BinShrink_ByChunks_IsTheWholeImagesResult()
    {
        using var image = Random(ComponentType.Float32, [35, 22, 13]);
        var reference = PipelineReference.Parse("@itk-wasm/downsample:downsample-bin-shrink");
        var binShrink = new Pipeline(reference, fixture.Runtime);
        string[] shrink = ["--shrink-factors", "3", "2", "2"];
        var rule = ChunkRule.Known(reference, shrink, 3)!;
        Assert.Equal([0, 0, 0], rule.Halo);

        using var whole = (await binShrink.RunAsync(["0", "0", .. shrink], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])).Output<Image>(0);
        using var chunked = await ChunkedRun.RunAsync(image, rule, shrink, [4, 3, 2], Stage(binShrink));

        Assert.True(whole.Data.ContentEquals(chunked.Data));
    }

    [Theory]
    [InlineData("@itk-wasm/downsample:downsample", new[] { "--shrink-factors", "2", "2" }, 3)]       // too few factors
    [InlineData("@itk-wasm/downsample:downsample", new[] { "-s", "2", "2", "-r", "1", "1" }, 2)]    // its own crop
    [InlineData("@itk-wasm/downsample:downsample-label-image", new[] { "-s", "2", "2" }, 2)]        // not known
    [InlineData("@itk-wasm/other:downsample", new[] { "-s", "2", "2" }, 2)]
    public void Rule_IsUnknown_ForWhatItDoesNotCover(string pipeline, string[] args, int dimension) =>
        Assert.Null(ChunkRule.Known(PipelineReference.Parse(pipeline), args, dimension));

    [Fact]
    public async Task OnAnImagesOwnGrid_TheResultHasTheModulesGrid_AndEveryChunkingGivesTheSameBytes()
    {
        using var image = Random(ComponentType.UInt8, [37, 33, 29]);
        (image.Origin, image.Spacing) = ([-12.3, 4.1, 7.7], [0.7, 0.55, 1.3]);
        (image.Direction[0], image.Direction[1], image.Direction[3], image.Direction[4]) = (Math.Cos(0.5), -Math.Sin(0.5), Math.Sin(0.5), Math.Cos(0.5));
        image.Metadata["modality"] = MetadataValue.FromString("CT");
        var reference = PipelineReference.Parse("@itk-wasm/downsample:downsample");
        var downsample = new Pipeline(reference, fixture.Runtime);
        string[] shrink = ["-s", "2", "3", "2"];
        var rule = ChunkRule.Known(reference, shrink, 3)!;

        using var direct = (await downsample.RunAsync(["0", "0", .. shrink], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])).Output<Image>(0);
        using var single = await ChunkedRun.RunAsync(image, rule, shrink, direct.Size, Stage(downsample));
        using var chunked = await ChunkedRun.RunAsync(image, rule, shrink, [5, 4, 3], Stage(downsample));

        foreach (var result in new[] { single, chunked })
        {
            Assert.Equal(direct.ImageType, result.ImageType);
            Assert.Equal(direct.Size, result.Size);
            Assert.Equal(direct.Origin, result.Origin); // exactly: the module's own arithmetic, from the probe
            Assert.Equal(direct.Spacing, result.Spacing);
            Assert.Equal(direct.Direction, result.Direction);
            Assert.Equal(direct.Metadata, result.Metadata);
        }

        Assert.True(single.Data.ContentEquals(chunked.Data));
    }

    // The stage as ChunkedRun calls it: the module on one image, with memory-I/O indices 0 and 0.
    private static Func<Image, IReadOnlyList<string>, CancellationToken, Task<Image>> Stage(Pipeline pipeline) => async (image, args, ct) =>
        (await pipeline.RunAsync(["0", "0", .. args], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)], null, ct)).Output<Image>(0);

    private static Image Random(ComponentType type, long[] size)
    {
        var image = new Image(new ImageType(size.Length, type)) { Size = size, Origin = new double[size.Length], Spacing = [.. size.Select(_ => 1.0)], Direction = Image.IdentityDirection(size.Length) };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        var random = new Random(20261207);
        if (type == ComponentType.Float32)
        {
            var values = image.Data.AsSpan<float>(0, (int)image.PixelCount);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (float)(random.NextDouble() * 1000);
            }
        }
        else
        {
            random.NextBytes(image.Data.AsSpan());
        }

        return image;
    }
}
