using System.Security.Cryptography;
using System.Text.Json;

namespace ItkWasmCluster.Cli.Tests;

public class InfoCommandTests
{
    [Fact]
    public void Info_ImageCbor_PrintsTypeGeometryAndPixelHash()
    {
        var run = CliRun.InProcess("info", SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(string.Empty, run.Stderr);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("Image", json.GetProperty("kind").GetString());
        var type = json.GetProperty("imageType");
        Assert.Equal(2, type.GetProperty("dimension").GetInt32());
        Assert.Equal("uint8", type.GetProperty("componentType").GetString());
        Assert.Equal("RGB", type.GetProperty("pixelType").GetString());
        Assert.Equal(3, type.GetProperty("components").GetInt32());
        Assert.Equal("[256,256]", Compact(json.GetProperty("size")));
        Assert.Equal("[1,1]", Compact(json.GetProperty("spacing")));
        Assert.Equal("[0,0]", Compact(json.GetProperty("origin")));
        Assert.Equal("[[1,0],[0,1]]", Compact(json.GetProperty("direction")));
        Assert.Equal(0, json.GetProperty("metadata").GetArrayLength());
        var expected = Convert.ToHexStringLower(
            SHA256.HashData(File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi/data/data.raw"))));
        Assert.Equal(expected, json.GetProperty("sha256").GetString());
    }

    [Fact]
    public void Info_OmeZarr_PrintsItsLevelsGridChunksAndCodecs_AndACorruptOneInOneLine()
    {
        using var temp = new TempDirectory();
        var root = temp.Combine("image.ome.zarr");
        ZarrWriter.Write(root, new { zarr = 3, dtype = "uint16", codec = "zstd", shape = new[] { 5, 13, 11 }, chunks = new[] { 2, 5, 4 }, shard = new[] { 4, 10, 8 }, axes = new[] { "z", "y", "x" }, scale = new[] { 2.5, 1.0, 0.5 }, translation = new[] { 3.0, -1.0, 0.25 } });

        var run = CliRun.InProcess("info", root);
        File.WriteAllText(Path.Combine(root, "0", "zarr.json"), "{");
        var corrupt = CliRun.InProcess("info", root);

        Assert.Equal(0, run.ExitCode);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("OME-Zarr", json.GetProperty("form").GetString());
        Assert.Equal("0.5", json.GetProperty("ngff").GetString());
        Assert.Equal("uint16", json.GetProperty("imageType").GetProperty("componentType").GetString());
        var level = Assert.Single(json.GetProperty("levels").EnumerateArray());
        Assert.Equal("[11,13,5]", Compact(level.GetProperty("size")));
        Assert.Equal("[0.5,1,2.5]", Compact(level.GetProperty("spacing")));
        Assert.Equal("[4,5,2]", Compact(level.GetProperty("chunks")));
        Assert.Equal("sharding_indexed 4×10×8 (zstd)", level.GetProperty("codecs").GetString());
        Assert.Equal(1, corrupt.ExitCode);
        Assert.StartsWith($"itkwasm-cluster: {root}: 0/zarr.json: ", corrupt.Stderr, StringComparison.Ordinal);
        Assert.Single(corrupt.Stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Info_MeshDirectory_PrintsCounts()
    {
        var run = CliRun.InProcess("info", SharedData.Path("itk-wasm/cow.iwm"));

        Assert.Equal(0, run.ExitCode);
        var json = JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("Mesh", json.GetProperty("kind").GetString());
        Assert.Equal(2903, json.GetProperty("numberOfPoints").GetInt32());
        Assert.Equal(3263, json.GetProperty("numberOfCells").GetInt32());
        Assert.Equal(18856, json.GetProperty("cellBufferSize").GetInt32());
    }

    [Fact]
    public void Info_TransformList_PrintsEachTransformsTypeAndCounts()
    {
        var run = CliRun.InProcess("info", SharedData.Path("itk-wasm/CompositeTransform.iwt.cbor"));

        Assert.Equal(0, run.ExitCode);
        var transforms = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("transforms").EnumerateArray().ToArray();
        Assert.Equal(
            ["Composite:4:9", "Rigid2D:2:3", "Affine:2:6"],
            transforms.Select(t => $"{t.GetProperty("transformParameterization").GetString()}:"
                                   + $"{t.GetProperty("numberOfFixedParameters").GetInt32()}:"
                                   + $"{t.GetProperty("numberOfParameters").GetInt32()}"));
    }

    [Fact]
    public void Info_DirectionIsPrintedInMemoryOrder()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var at = bytes.AsSpan().IndexOf(new byte[] { 0xd8, 0x56, 0x58, 0x20 }) + 4;
        BitConverter.GetBytes(1.0).CopyTo(bytes, at + 8);
        BitConverter.GetBytes(-1.0).CopyTo(bytes, at + 16);
        BitConverter.GetBytes(0.0).CopyTo(bytes, at);
        BitConverter.GetBytes(0.0).CopyTo(bytes, at + 24);
        File.WriteAllBytes(temp.Combine("r.iwi.cbor"), bytes);

        var run = CliRun.InProcess("info", temp.Combine("r.iwi.cbor"));

        Assert.Equal("[[0,-1],[1,0]]", Compact(JsonDocument.Parse(run.Stdout).RootElement.GetProperty("direction")));
    }

    private static string Compact(JsonElement e) => JsonSerializer.Serialize(e);
}
