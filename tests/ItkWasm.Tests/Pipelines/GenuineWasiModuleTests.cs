using System.Text.Json.Nodes;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasm.Runtime.Wasmtime;

namespace ItkWasm.Tests.Pipelines;

/// <summary>One <see cref="WasmRuntime"/> (Wasmtime for the WASI modules, Node.js to read formats through
/// @itk-wasm/image-io and mesh-io), with a module cache of its own.</summary>
public sealed class WasmRuntimeFixture : IDisposable
{
    private readonly TempDirectory cache = new();

    public WasmRuntimeFixture() => Runtime = new(new WasmRuntimeOptions
    {
        ComputeSlots = 2,
        Wasmtime = new WasmtimeRuntimeOptions { CacheDirectory = cache.FullName },
        Node = new NodeWasmRuntimeOptions(),
    });

    public WasmRuntime Runtime { get; }

    public void Dispose()
    {
        Runtime.Dispose();
        cache.Dispose();
    }
}

/// <summary>
/// Genuine ITK-Wasm WASI modules (shared/data/itk-wasm/wasi) on Wasmtime, on real data. Pipelines that the npm
/// package @itk-wasm/compare-images 5.4.2 also ships are compared with it run directly in Node (Oracle/oracle.mjs):
/// pixel for pixel, floats within 1e-6 relative where the two compilers' builds differ.
/// </summary>
/// <remarks>In the "NodeRuntime" collection: its Node executors read the input formats, and the executor tests there kill
/// every executor of this process.</remarks>
[Collection("NodeRuntime")]
public class GenuineWasiModuleTests(WasmRuntimeFixture fixture) : IClassFixture<WasmRuntimeFixture>
{
    private Pipeline Module(string name) => new(PipelineReference.Parse(TestModules.Genuine(name)), fixture.Runtime);

    [Theory]
    [InlineData("itk-wasm/cthead1-rgb.iwi.cbor")]
    [InlineData("itk-examples/itkBrainSliceComplex.mha")]
    [InlineData("itk-examples/BrainProtonDensitySlice.png")]
    public async Task VectorMagnitude_RealVectorImages_MatchesTheNpmPackage(string file)
    {
        using var temp = new TempDirectory();
        using var vector = await VectorImageAsync(file);
        var input = temp.Combine("vector.iwi.cbor");
        ImageFile.Write(vector, input);
        Oracle.Run(new { op = "vector-magnitude", input, output = temp.Combine("oracle.iwi.cbor") });

        using var result = await Module("vector-magnitude").RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(vector)]);

        using var expected = ImageFile.Read(temp.Combine("oracle.iwi.cbor"));
        var magnitude = result.Output<Image>(0);
        AssertClose(expected, magnitude);
        Assert.Equal(new ImageType(2, ComponentType.Float64, PixelType.Scalar, 1), magnitude.ImageType);
    }

    [Fact]
    public async Task CompareDoubleImages_RealImageAgainstAlteredBaseline_MatchesTheNpmPackage()
    {
        using var temp = new TempDirectory();
        using var test = await DoubleImageAsync("itk-wasm/cthead1.png");
        using var baseline = await DoubleImageAsync("itk-wasm/cthead1.png");
        var pixels = baseline.Data.AsSpan<double>(0, (int)(baseline.Data.Length / sizeof(double)));
        for (var y = 100; y < 140; y++)
        {
            for (var x = 60; x < 90; x++)
            {
                pixels[(y * 256) + x] += 40 + ((x * y) % 17);
            }
        }

        ImageFile.Write(test, temp.Combine("test.iwi.cbor"));
        ImageFile.Write(baseline, temp.Combine("baseline.iwi.cbor"));
        Oracle.Run(new
        {
            op = "compare-double-images",
            input = temp.Combine("test.iwi.cbor"),
            baselines = new[] { temp.Combine("baseline.iwi.cbor") },
            differenceThreshold = 5.0,
            metrics = temp.Combine("metrics.json"),
            difference = temp.Combine("difference.iwi.cbor"),
            differenceUchar = temp.Combine("difference-uchar.iwi.cbor"),
        });

        using var result = await Module("compare-double-images").RunAsync(
            ["0", "0", "1", "2", "--baseline-images", "1", "--difference-threshold", "5"],
            [new PipelineOutput(InterfaceType.JsonCompatible), new PipelineOutput(InterfaceType.Image), new PipelineOutput(InterfaceType.Image)],
            [PipelineInput.Image(test), PipelineInput.Image(baseline)]);

        var metrics = result.Output<JsonCompatible>(0).ToJsonString();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("metrics.json"))), JsonNode.Parse(metrics)), metrics);
        Assert.Contains("\"numberOfPixelsWithDifferences\":1200", metrics, StringComparison.Ordinal);
        using var difference = ImageFile.Read(temp.Combine("difference.iwi.cbor"));
        AssertClose(difference, result.Output<Image>(1));
        using var differenceUchar = ImageFile.Read(temp.Combine("difference-uchar.iwi.cbor"));
        ImageAssert.Equal(differenceUchar, result.Output<Image>(2));
    }

    [Fact]
    public async Task MeshToPolyDataAndBack_CowVtk_MatchesTheNpmPackage()
    {
        using var temp = new TempDirectory();
        var vtk = SharedData.Path("itk-wasm/cow.vtk");
        Oracle.Run(new { op = "mesh-to-poly-data", input = vtk, output = temp.Combine("poly.json"), mesh = temp.Combine("mesh.iwm.cbor") });
        using var cow = await new MeshIo(fixture.Runtime).ReadAsync(vtk);

        using var polyResult = await Module("mesh-to-poly-data").RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.PolyData)], [PipelineInput.Mesh(cow)]);
        var poly = polyResult.Output<PolyData>(0);
        using var meshResult = await Module("poly-data-to-mesh").RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Mesh)], [PipelineInput.PolyData(poly)]);

        var oracle = JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("poly.json")))!;
        Assert.Equal(2903, poly.NumberOfPoints);
        Assert.Equal(oracle["points"]!.AsArray().Select(v => v!.GetValue<float>()), poly.Points.ToArray<float>());
        Assert.Equal(oracle["polygons"]!.AsArray().Select(v => v!.GetValue<uint>()), poly.Polygons.ToArray<uint>());
        var mesh = meshResult.Output<Mesh>(0);
        Assert.Equal((2903L, 3263L), (mesh.NumberOfPoints, mesh.NumberOfCells));
        Assert.Equal(3.71636, mesh.Points.ToArray<float>()[0], 5);
        using var expectedMesh = MeshFile.Read(temp.Combine("mesh.iwm.cbor"));
        Assert.True(expectedMesh.Points.ContentEquals(mesh.Points), "points differ from the npm package's");
        Assert.True(expectedMesh.Cells.ContentEquals(mesh.Cells), "cells differ from the npm package's");
    }

    [Fact]
    public async Task StdoutStderrTest_WritesItsHaikuToStderr_EveryRun()
    {
        using var first = await Module("stdout-stderr-test").RunAsync([], [], []);
        using var second = await Module("stdout-stderr-test").RunAsync([], [], []);

        Assert.Equal("The modem humming\nCode rapidly compiling.\nClick. Perfect success.\n", first.Stderr);
        Assert.Equal((first.Stdout, first.Stderr), (second.Stdout, second.Stderr));
    }

    [Fact]
    public async Task InputOutputFilesTest_Streams_ComeBackUnchanged()
    {
        byte[] bytes = [222, 173, 190, 239];

        using var result = await Module("input-output-files-test").RunAsync(
            ["--input-text-stream", "0", "--input-binary-stream", "1", "--output-text-stream", "0", "--output-binary-stream", "1"],
            [new PipelineOutput(InterfaceType.TextStream), new PipelineOutput(InterfaceType.BinaryStream)],
            [PipelineInput.Text("The answer is 42."), PipelineInput.Binary(bytes)]);

        Assert.Equal("The answer is 42.", result.Output<TextStream>(0).Data);
        Assert.Equal(bytes, result.Output<BinaryStream>(1).Data.ToArray());
    }

    [Fact]
    public async Task InputOutputFilesTest_Files_AreReadAndWrittenThroughPreopens()
    {
        using var temp = new TempDirectory();
        var inputs = Directory.CreateDirectory(temp.Combine("in")).FullName;
        var outputs = Directory.CreateDirectory(temp.Combine("out")).FullName;
        var (textIn, binaryIn) = (Path.Combine(inputs, "input.txt"), Path.Combine(inputs, "input.bin"));
        var (textOut, binaryOut) = (Path.Combine(outputs, "output.txt"), Path.Combine(outputs, "output.bin"));
        await File.WriteAllTextAsync(textIn, "The answer is 42.");
        await File.WriteAllBytesAsync(binaryIn, [222, 173, 190, 239]);

        using var result = await Module("input-output-files-test").RunAsync(
            ["--use-files", "--input-text-file", textIn, "--input-binary-file", binaryIn, "--output-text-file", textOut, "--output-binary-file", binaryOut],
            [PipelineOutput.File(InterfaceType.TextFile, textOut), PipelineOutput.File(InterfaceType.BinaryFile, binaryOut)],
            [PipelineInput.TextFile(textIn), PipelineInput.BinaryFile(binaryIn)]);

        Assert.Equal("The answer is 42.", await File.ReadAllTextAsync(textOut));
        Assert.Equal(new byte[] { 222, 173, 190, 239 }, await File.ReadAllBytesAsync(binaryOut));
        Assert.Equal(textOut, result.Output<TextFile>(0).Path);
    }

    [Fact]
    public async Task PthreadsTest_IsRefused_WithWhy()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("pthreads-test").RunAsync([], [], []));

        Assert.Equal(PipelineFailureKind.UnsupportedModule, e.Kind);
        Assert.Contains("WASI-threads build", e.Message, StringComparison.Ordinal);
        Assert.Contains("wasi.thread-spawn", e.Message, StringComparison.Ordinal);
    }

    private async Task<Image> VectorImageAsync(string file)
    {
        var path = SharedData.Path(file);
        using var source = ItkWasmPath.TryParse(path) is null ? await new ImageIo(fixture.Runtime).ReadAsync(path) : ImageFile.Read(path);
        return ImageConversion.ToFloat64Vector(source);
    }

    private async Task<Image> DoubleImageAsync(string file)
    {
        using var source = await new ImageIo(fixture.Runtime).ReadAsync(SharedData.Path(file));
        return ImageConversion.ToFloat64Scalar(source);
    }

    private static void AssertClose(Image expected, Image actual)
    {
        ImageAssert.SameGeometry(expected, actual);
        var (e, a) = expected.ImageType.ComponentType == ComponentType.Float32
            ? (expected.Data.ToArray<float>().Select(v => (double)v).ToArray(), actual.Data.ToArray<float>().Select(v => (double)v).ToArray())
            : (expected.Data.ToArray<double>(), actual.Data.ToArray<double>());
        Assert.Equal(e.Length, a.Length);
        for (var i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-6 * Math.Max(1, Math.Abs(e[i])), $"pixel {i}: expected {e[i]}, got {a[i]}");
        }
    }
}
