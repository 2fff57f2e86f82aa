using ItkWasm.Chunks;

namespace ItkWasm.Tests.Chunks;

/// <summary>Boxes of pixels copied out of an image (with the edge values outside it) and back into one.</summary>
public class RegionCopyTests
{
    public static TheoryData<long[], long[], long[]> Regions { get; } = new()
    {
        { [7, 5], [2, 1], [3, 3] },          // inside
        { [7, 5], [-3, -2], [13, 9] },       // around the whole image
        { [7, 5], [9, 6], [2, 2] },          // wholly past the far corner
        { [6, 5, 4], [-1, 2, 3], [8, 5, 3] }, // 3-D, past edges on every axis
    };

    [Theory]
    [MemberData(nameof(Regions))]
    public void Extract_GivesEachPixelOfTheRegion_OutsideOnesFromTheNearestEdge(long[] size, long[] index, long[] extent)
    {
        using var image = Numbered(size, components: 2);
        var region = new ImageRegion(index, extent);

        using var copy = RegionCopy.Extract(image, region);

        Assert.Equal(extent, copy.Size);
        var values = copy.Data.ToArray<int>();
        var at = new long[size.Length];
        for (var n = 0; n < region.PixelCount; n++)
        {
            var source = 0L;
            for (var d = size.Length - 1; d >= 0; d--)
            {
                source = (source * size[d]) + Math.Clamp(index[d] + at[d], 0, size[d] - 1);
            }

            Assert.Equal(((int)source * 2, ((int)source * 2) + 1), (values[2 * n], values[(2 * n) + 1]));
            for (var d = 0; d < at.Length && ++at[d] == extent[d]; d++)
            {
                at[d] = 0;
            }
        }

        // The copy's first pixel is where the region starts, in physical space.
        for (var r = 0; r < size.Length; r++)
        {
            var expected = image.Origin[r] + Enumerable.Range(0, size.Length).Sum(c => image.Direction[(r * size.Length) + c] * image.Spacing[c] * index[c]);
            Assert.Equal(expected, copy.Origin[r], 12);
        }
    }

    [Fact]
    public void Insert_OfExtractedTiles_RebuildsTheImage_AndARegionThatDoesNotFitIsRefused()
    {
        using var image = Numbered([11, 7, 3], components: 1);
        using var rebuilt = Numbered([11, 7, 3], components: 1);
        rebuilt.Data.AsSpan().Clear();

        foreach (var tile in ChunkGrid.Split(image.Size, [4, 3, 2]))
        {
            using var piece = RegionCopy.Extract(image, tile);
            RegionCopy.Insert(rebuilt, piece, tile.Index);
        }

        Assert.True(image.Data.ContentEquals(rebuilt.Data));
        using var tooBig = RegionCopy.Extract(image, new ImageRegion([0, 0, 0], [4, 4, 4]));
        Assert.Throws<ArgumentException>(() => RegionCopy.Insert(rebuilt, tooBig, [8, 0, 0]));
    }

    // An image of int32 components numbered in buffer order, with a rotated direction and an odd origin and spacing.
    private static Image Numbered(long[] size, int components)
    {
        var dimension = size.Length;
        var direction = Image.IdentityDirection(dimension);
        (direction[0], direction[1], direction[dimension], direction[dimension + 1]) = (Math.Cos(0.3), -Math.Sin(0.3), Math.Sin(0.3), Math.Cos(0.3));
        var image = new Image(new ImageType(dimension, ComponentType.Int32, components == 1 ? PixelType.Scalar : PixelType.VariableLengthVector, components))
        {
            Size = size,
            Origin = [.. Enumerable.Range(0, dimension).Select(d => -3.25 + d)],
            Spacing = [.. Enumerable.Range(0, dimension).Select(d => 0.7 + (0.1 * d))],
            Direction = direction,
        };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        var values = image.Data.AsSpan<int>(0, (int)(image.PixelCount * components));
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i;
        }

        return image;
    }
}
