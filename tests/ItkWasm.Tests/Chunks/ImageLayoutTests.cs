using System.Text;
using ItkWasm.Chunks;
using ItkWasm.IO;

namespace ItkWasm.Tests.Chunks;

/// <summary>Regions read by ranges out of files (<see cref="ImageLayout"/>), and where raw MetaImage and NRRD headers put
/// their pixels (<see cref="RawImageHeader"/>).</summary>
public class ImageLayoutTests
{
    public static TheoryData<long[], long[], long[]> Regions { get; } = new()
    {
        { [9, 7, 5], [0, 0, 1], [9, 7, 3] },    // whole planes: one run
        { [9, 7, 5], [0, 2, 0], [9, 3, 5] },    // whole rows: a run per plane, read together
        { [9, 7, 5], [2, 1, 1], [4, 3, 2] },    // part rows
        { [9, 7, 5], [-2, -1, 3], [13, 4, 4] }, // past every edge: the nearest edge pixel
        { [300, 4], [0, 1], [300, 2] },
    };

    [Theory]
    [MemberData(nameof(Regions))]
    public void ReadRegion_FromTheFile_IsTheRegionOfTheWholeImage(long[] size, long[] index, long[] extent)
    {
        using var temp = new TempDirectory();
        using var image = Numbered(size);
        var path = temp.Combine("image.iwi.cbor");
        ImageFile.Write(image, path);
        var region = new ImageRegion(index, extent);

        using var file = File.OpenRead(path);
        var layout = ImageLayout.ReadCbor(file, path);
        using var read = layout.ReadRegion(file, region);
        using var expected = RegionCopy.Extract(image, region);

        Assert.Equal(ImageLayout.ForCbor(image).Prefix.Length, layout.DataOffset);
        Assert.Equal(new FileInfo(path).Length, layout.Length);
        Assert.Equal(expected.Size, read.Size);
        Assert.Equal(expected.Origin, read.Origin);
        Assert.True(expected.Data.ContentEquals(read.Data));
    }

    [Theory]
    [InlineData(100, 7, 1)] // every row
    [InlineData(3, 3, 3)]   // rows 0, 3 and 6, y spacing 3 times
    public void ReadSlice_IsTheMiddlePlane_ThinnedToAtMostTheRowsAsked(int maxRows, int expectedRows, int step)
    {
        using var temp = new TempDirectory();
        using var image = Numbered([9, 7, 5]);
        var path = temp.Combine("image.iwi.cbor");
        ImageFile.Write(image, path);

        using var file = File.OpenRead(path);
        using var slice = ImageLayout.ReadCbor(file, path).ReadSlice(file, maxRows);

        Assert.Equal([9L, expectedRows, 1], slice.Size);
        Assert.Equal(0.5 * step, slice.Spacing[1]);
        Assert.Equal(image.Origin[2] + (2 * image.Spacing[2]), slice.Origin[2]);
        var values = slice.Data.ToArray<int>();
        for (var r = 0; r < expectedRows; r++)
        {
            Assert.Equal(Enumerable.Range((2 * 63) + (r * step * 9), 9), values.Skip(r * 9).Take(9));
        }
    }

    [Fact]
    public void Runs_CoalesceWholeRowsAndPlanes()
    {
        var layout = new ImageLayout(new Image(new ImageType(3, ComponentType.UInt16)) { Size = [10, 6, 4] }, 100);

        Assert.Equal([(100L + (2 * 60 * 2), 0L, 2 * 60 * 2L)], layout.Runs(new ImageRegion([0, 0, 2], [10, 6, 2])));
        Assert.Equal([(100L + (2 * 10 * 2), 0L, 2 * 10 * 3L), (100L + (2 * (60 + 20)), 60L, 60L)], layout.Runs(new ImageRegion([0, 2, 0], [10, 3, 2])));
        Assert.Equal(2 * 3, layout.Runs(new ImageRegion([1, 1, 1], [5, 2, 3])).Count()); // a run per row
        Assert.Throws<ArgumentException>(() => layout.Runs(new ImageRegion([0, 0, 3], [10, 6, 2])).ToList());
    }

    [Theory]
    [InlineData("ObjectType = Image\nNDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\nElementDataFile = LOCAL\n", null, 93, 48)]
    [InlineData("NDims = 2\nDimSize = 4 3\nElementNumberOfChannels = 3\nElementType = MET_FLOAT\nHeaderSize = -1\nElementDataFile = x.raw\n", "x.raw", -1, 144)]
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_UCHAR\nHeaderSize = 16\nElementDataFile = sub/x.raw\n", "sub/x.raw", 16, 12)]
    [InlineData("NRRD0004\n# a comment\ntype: uint16_t\ndimension: 2\nsizes: 5 4\nendian: little\nencoding: raw\n\n", null, 90, 40)]
    [InlineData("NRRD0005\ntype: float\ndimension: 3\nsizes: 2 2 2\nencoding: raw\ndata file: v.raw\nbyte skip: 8\n", "v.raw", 8, 32)]
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\nCompressedData = True\nElementDataFile = LOCAL\n", null, 94, 24, "zlib")]
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\nCompressedData = True\nElementDataFile = x.zraw\n", "x.zraw", 0, 24, "zlib")]
    [InlineData("NRRD0004\ntype: short\nsizes: 4 3\nencoding: gzip\n\n", null, 48, 24, "gzip")]
    public void RawHeaders_SayWhereThePixelsAre(string header, string? dataFile, long offset, long bytes, string compression = "none")
    {
        var raw = RawImageHeader.Parse(Encoding.ASCII.GetBytes(header + "pixels..."));

        Assert.Equal(new RawImageHeader(dataFile, offset, bytes, compression), raw);
    }

    [Theory]
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\nCompressedData = True\nHeaderSize = -1\nElementDataFile = x.zraw\n")] // compressed, at the end
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\nBinaryDataByteOrderMSB = True\nElementDataFile = x.raw\n")] // big-endian
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\nElementDataFile = LIST\n")]                              // one file per slice
    [InlineData("NDims = 2\nDimSize = 4 3\nElementType = MET_SHORT\n")]                                                       // no data file (cut short)
    [InlineData("NRRD0004\ntype: short\nsizes: 4 3\nencoding: bzip2\n\n")]
    [InlineData("NRRD0004\ntype: short\nsizes: 4 3\nendian: big\nencoding: raw\n\n")]
    [InlineData("NRRD0004\ntype: short\nsizes: 4 3\nencoding: raw\nline skip: 2\ndata file: x.raw\n")]
    public void RawHeaders_ThatAreNotOneLittleEndianBuffer_AreRefused(string header) =>
        Assert.Null(RawImageHeader.Parse(Encoding.ASCII.GetBytes(header)));

    private static Image Numbered(long[] size)
    {
        var image = new Image(new ImageType(size.Length, ComponentType.Int32)) { Size = size, Origin = [.. size.Select(_ => 1.5)], Spacing = [.. size.Select(_ => 0.5)] };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        var values = image.Data.AsSpan<int>(0, (int)image.PixelCount);
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i;
        }

        return image;
    }
}
