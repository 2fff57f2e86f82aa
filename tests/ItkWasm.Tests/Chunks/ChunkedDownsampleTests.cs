using ItkWasm.Chunks;
using ItkWasm.Pipelines;
using ItkWasm.Tests.Pipelines;

namespace ItkWasm.Tests.Chunks;

/// <summary>
/// <c>@itk-wasm/downsample</c>'s own modules (npm, on Node) run chunk by chunk, each chunk read with its halo
/// (<see cref="ChunkGrid.InputRegion"/>, <see cref="RegionCopy.Extract"/>) and its result put in place
/// (<see cref="RegionCopy.Insert"/>), give the whole image's result byte for byte. The images are on the index grid
/// (origin 0, spacing 1, identity direction): there the modules map output pixels to input positions exactly, so a
/// chunk samples where the whole image does. (On other grids the modules' mapping rounds differently for a chunk's own
/// origin than for the image's: measured, 3% of the pixels of a uint8 volume of spacing 0.7 then differ by one.)
/// </summary>
[Collection("NodeRuntime")]
public class ChunkedDownsampleTests(NodeRuntimeFixture fixture)
{
    // At least the Gaussian's radius for factors up to 4 (ITK's GaussianOperator, maximum error 0.01); a larger halo
    // gives the same result.
    private const long Halo = 8;

    public static TheoryData<ComponentType, long[], int[], long[]> Cases { get; } = new()
    {
        { ComponentType.UInt8, [37, 33, 29], [2, 2, 2], [7, 6, 5] },  // chunks that do not divide the grid
        { ComponentType.Int16, [36, 30, 24], [3, 3, 2], [4, 5, 4] },  // chunks that do
        { ComponentType.Float32, [41, 23, 17], [2, 3, 4], [5, 3, 2] },
        { ComponentType.UInt8, [121, 87], [3, 2], [8, 11] },          // 2-D tiles
        { ComponentType.Float32, [64, 50], [4, 4], [3, 5] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Downsample_ByChunksWithHalos_IsTheWholeImagesResult(ComponentType type, long[] size, int[] factors, long[] chunk)
    {
        using var image = Random(type, size);
        var downsample = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), fixture.Runtime);
        string[] shrink = ["--shrink-factors", .. factors.Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture))];

        using var whole = (await downsample.RunAsync(["0", "0", .. shrink], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])).Output<Image>(0);
        using var chunked = await ByChunksAsync(image, whole, factors, chunk, Halo, region => downsample.RunAsync(
            ["0", "0", .. shrink, "--crop-radius", .. Enumerable.Repeat(Halo.ToString(System.Globalization.CultureInfo.InvariantCulture), size.Length)],
            [new PipelineOutput(InterfaceType.Image)],
            [PipelineInput.Image(region)]));

        Assert.True(whole.Data.ContentEquals(chunked.Data), $"{type} {string.Join('×', size)} by {string.Join('×', factors)} in chunks of {string.Join('×', chunk)}");
    }

    [Fact]
    public async Task BinShrink_ByChunks_IsTheWholeImagesResult()
    {
        using var image = Random(ComponentType.Float32, [35, 22, 13]);
        var binShrink = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample-bin-shrink"), fixture.Runtime);
        string[] args = ["0", "0", "--shrink-factors", "3", "2", "2"];

        using var whole = (await binShrink.RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])).Output<Image>(0);
        using var chunked = await ByChunksAsync(image, whole, [3, 2, 2], [4, 3, 2], 0, region => binShrink.RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(region)]));

        Assert.True(whole.Data.ContentEquals(chunked.Data));
    }

    private static async Task<Image> ByChunksAsync(Image image, Image whole, int[] factors, long[] chunk, long halo, Func<Image, Task<PipelineResult>> run)
    {
        var result = new Image(whole.ImageType) { Size = [.. whole.Size], Origin = [.. whole.Origin], Spacing = [.. whole.Spacing], Direction = [.. whole.Direction] };
        result.Data.Dispose();
        result.Data = DataBuffer.Allocate(result.ByteLength);
        var chunks = ChunkGrid.Split(whole.Size, chunk);
        Assert.True(chunks.Count > 4);
        foreach (var output in chunks)
        {
            var input = ChunkGrid.InputRegion(output, whole.Size, image.Size, factors, Enumerable.Repeat(halo, image.Size.Length).ToArray());
            using var region = RegionCopy.Extract(image, input);
            region.Origin = new double[image.Size.Length]; // on the index grid, as the whole image is
            using var piece = (await run(region)).Output<Image>(0);
            Assert.Equal(output.Size, piece.Size);
            RegionCopy.Insert(result, piece, output.Index);
        }

        return result;
    }

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
