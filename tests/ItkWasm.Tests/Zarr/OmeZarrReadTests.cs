using ItkWasm.Chunks;
using ItkWasm.Zarr;

namespace ItkWasm.Tests.Zarr;

/// <summary>OME-Zarr images that independent code writes (zarrita, numcodecs) read with the values zarrita reads and
/// the grid their metadata gives; malformed objects fail naming themselves.</summary>
public class OmeZarrReadTests
{
    [Theory]
    [InlineData(2, "uint8", "none", null)]
    [InlineData(2, "uint16", "zstd", null)]
    [InlineData(2, "int16", "gzip", null)]
    [InlineData(2, "float32", "zlib", ".")]
    [InlineData(2, "uint16", "blosc-lz4", null)]
    [InlineData(2, "float64", "blosc-zstd", ".")]
    [InlineData(3, "uint8", "none", null)]
    [InlineData(3, "int32", "zstd", null)]
    [InlineData(3, "uint16", "blosc-lz4", null)]
    [InlineData(3, "float32", "blosc-zstd", null)]
    public async Task ZarrV2AndV3_EachCodec_ReadAsZarritaReadsThem_OnTheirGrid(int zarr, string dtype, string codec, string? separator)
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("image.ome.zarr");
        var expected = ZarrWriter.Write(root, new { zarr, dtype, codec, separator, shape = new[] { 5, 13, 11 }, chunks = new[] { 2, 5, 4 }, axes = new[] { "z", "y", "x" }, scale = new[] { 2.5, 1.0, 0.5 }, translation = new[] { 3.0, -1.0, 0.25 }, unit = "micrometer" });

        var image = await OmeZarrImage.OpenAsync(new ZarrFolderStore(root));
        using var read = await image.ReadAsync();

        Assert.Equal(zarr == 2 ? "0.4" : "0.5", image.Version);
        Assert.Equal(new long[] { 11, 13, 5 }, read.Size); // ITK's x, y, z: OME's z, y, x reversed
        Assert.Equal(new[] { 0.5, 1.0, 2.5 }, read.Spacing);
        Assert.Equal(new[] { 0.25, -1.0, 3.0 }, read.Origin);
        Assert.Equal(Image.IdentityDirection(3), read.Direction);
        Assert.Equal(new long[] { 4, 5, 2 }, image.ChunkSize);
        Assert.Equal(expected, read.Data.AsSpan().ToArray()); // x fastest in both
        Assert.Equal(["micrometer", "micrometer", "micrometer"], read.Metadata["ome.units"].AsStringArray());
    }

    [Fact]
    public async Task ShardedV3_ReadsItsInnerChunks_EmptyOnesAsTheFillValue_AndARegionWithAHaloAsTheWholesCopy()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("sharded.ome.zarr");
        var expected = ZarrWriter.Write(root, new { zarr = 3, dtype = "uint16", codec = "zstd", shape = new[] { 7, 9, 10 }, chunks = new[] { 2, 3, 4 }, shard = new[] { 4, 6, 8 }, axes = new[] { "z", "y", "x" }, scale = new[] { 1.0, 1.0, 1.0 }, translation = new[] { 0.0, 0.0, 0.0 } });

        var image = await OmeZarrImage.OpenAsync(new ZarrFolderStore(root));
        using var whole = await image.ReadAsync();
        var region = new ImageRegion([-2, 1, 3], [8, 5, 6]); // reaches outside in x and z
        using var part = await image.ReadRegionAsync(region);
        using var copied = RegionCopy.Extract(whole, region);

        Assert.Equal(expected, whole.Data.AsSpan().ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(expected).Count((ushort)0) >= 24, "no inner chunk (2 × 3 × 4 values) is empty"); // (7 i + 3) mod 2^16 is never 0 here
        Assert.Equal("sharding_indexed 4×6×8 (zstd)", image.Array.Codecs);
        Assert.Equal(copied.Data.AsSpan().ToArray(), part.Data.AsSpan().ToArray());
        Assert.Equal(copied.Origin, part.Origin);
    }

    [Fact]
    public async Task Channels_AreComponents_AndATimePointIsDropped()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("rgb.ome.zarr");
        var expected = ZarrWriter.Write(root, new { zarr = 3, dtype = "uint8", codec = "none", shape = new[] { 1, 3, 4, 5 }, chunks = new[] { 1, 2, 3, 3 }, axes = new[] { "t", "c", "y", "x" }, scale = new[] { 1.0, 1.0, 0.5, 0.5 }, translation = new[] { 0.0, 0.0, 0.0, 0.0 } });

        var image = await OmeZarrImage.OpenAsync(new ZarrFolderStore(root));
        using var read = await image.ReadAsync();

        Assert.Equal((PixelType.VariableLengthVector, 3), (read.ImageType.PixelType, read.ImageType.Components));
        Assert.Equal(new long[] { 5, 4 }, read.Size);
        var values = read.Data.AsSpan();
        for (var c = 0; c < 3; c++)
        {
            for (var p = 0; p < 20; p++)
            {
                Assert.Equal(expected[(c * 20) + p], values[(p * 3) + c]); // planes of c in Zarr, interleaved in ITK
            }
        }
    }

    [Fact]
    public async Task CorruptChunksAndMetadata_FailNamingTheObject()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("broken.ome.zarr");
        ZarrWriter.Write(root, new { zarr = 3, dtype = "uint16", codec = "zstd", shape = new[] { 4, 6, 8 }, chunks = new[] { 2, 3, 4 }, axes = new[] { "z", "y", "x" }, scale = new[] { 1.0, 1.0, 1.0 }, translation = new[] { 0.0, 0.0, 0.0 } });
        var store = new ZarrFolderStore(root);

        await File.WriteAllBytesAsync(Path.Combine(root, "0/c/1/0/1"), [1, 2, 3, 4, 5]);
        var chunk = await Assert.ThrowsAsync<ZarrFormatException>(async () => (await (await OmeZarrImage.OpenAsync(store)).ReadAsync()).Dispose());
        await File.WriteAllTextAsync(Path.Combine(root, "0/zarr.json"), "{ \"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [4, 6] ");
        var metadata = await Assert.ThrowsAsync<ZarrFormatException>(() => OmeZarrImage.OpenAsync(store));
        var level = await Assert.ThrowsAsync<ZarrFormatException>(() => OmeZarrImage.OpenAsync(store, level: 3));

        Assert.Equal("0/c/1/0/1", chunk.Key);
        Assert.Contains("0/c/1/0/1: cannot be decoded", chunk.Message, StringComparison.Ordinal);
        Assert.Equal("0/zarr.json", metadata.Key);
        Assert.Contains("levels 0 to 0, not level 3", level.Message, StringComparison.Ordinal);
    }
}
