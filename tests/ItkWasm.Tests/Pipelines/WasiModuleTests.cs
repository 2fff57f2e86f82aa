using System.Diagnostics;
using System.Text.Json.Nodes;
using ItkWasm.IO;
using ItkWasm.Pipelines;

namespace ItkWasm.Tests.Pipelines;

/// <summary>The project's own WASI modules (Modules/*.c) exercise the memory-I/O protocol and the containment of
/// every failure mode on Wasmtime; after each failure the next run must work.</summary>
[Collection("WasmtimeRuntime")]
public class WasiModuleTests(WasmtimeRuntimeFixture fixture)
{
    private Pipeline Module(string name) => new(PipelineReference.Parse(TestModules.Own(name)), fixture.Runtime);

    [Fact]
    public async Task Echo_EveryMemoryInterfaceType_ComesBackUnchanged()
    {
        using var image = SampleImage();
        using var mesh = MeshFile.Read(SharedData.Path("itk-wasm/cow.iwm.cbor"));
        using var pointSet = SamplePointSet();
        using var polyData = SamplePolyData();
        using var transforms = TransformListFile.Read(SharedData.Path("itk-wasm/CompositeTransform.iwt.cbor"));
        var json = new JsonCompatible(JsonNode.Parse("""{"a":[1,2.5,{"b":"c"}],"d":null}"""));
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        PipelineInput[] inputs =
        [
            PipelineInput.Image(image), PipelineInput.Mesh(mesh), PipelineInput.PointSet(pointSet),
            PipelineInput.PolyData(polyData), PipelineInput.TransformList(transforms), PipelineInput.Json(json),
            PipelineInput.Text("héllo, wörld"), PipelineInput.Binary(bytes),
        ];
        var outputs = inputs.Select(i => new PipelineOutput(i.Type)).ToArray();
        var indices = Enumerable.Range(0, inputs.Length).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        using var result = await Module("echo").RunAsync([.. indices, .. indices], outputs, inputs);

        ImageAssert.Equal(image, result.Output<Image>(0));
        Assert.Equal(image.Name, result.Output<Image>(0).Name);
        ImageAssert.Equal(mesh, result.Output<Mesh>(1));
        var points = result.Output<PointSet>(2);
        Assert.Equal(pointSet.PointSetType, points.PointSetType);
        Assert.True(pointSet.Points.ContentEquals(points.Points) && pointSet.PointData.ContentEquals(points.PointData));
        var poly = result.Output<PolyData>(3);
        Assert.Equal(polyData.PolyDataType, poly.PolyDataType);
        Assert.Equal((polyData.NumberOfPoints, polyData.PolygonsBufferSize, polyData.LinesBufferSize), (poly.NumberOfPoints, poly.PolygonsBufferSize, poly.LinesBufferSize));
        foreach (var (a, b) in new[] { (polyData.Points, poly.Points), (polyData.Vertices, poly.Vertices), (polyData.Lines, poly.Lines),
                     (polyData.Polygons, poly.Polygons), (polyData.TriangleStrips, poly.TriangleStrips), (polyData.PointData, poly.PointData), (polyData.CellData, poly.CellData) })
        {
            Assert.True(a.ContentEquals(b));
        }

        ImageAssert.Equal(transforms, result.Output<TransformList>(4));
        Assert.Equal(json.ToJsonString(), result.Output<JsonCompatible>(5).ToJsonString());
        Assert.Equal("héllo, wörld", result.Output<TextStream>(6).Data);
        Assert.Equal(bytes, result.Output<BinaryStream>(7).Data.ToArray());
    }

    [Fact]
    public async Task Echo_TextAndBinaryFiles_AreVisibleByPathAndWritten()
    {
        using var temp = new TempDirectory();
        var inputs = new[] { temp.Combine("in.txt"), temp.Combine("in.bin") };
        await File.WriteAllTextAsync(inputs[0], "The answer is 42.");
        await File.WriteAllBytesAsync(inputs[1], [0xde, 0xad, 0xbe, 0xef]);
        var outDir = Directory.CreateDirectory(temp.Combine("out")).FullName;
        var outputs = new[] { Path.Combine(outDir, "out.txt"), Path.Combine(outDir, "out.bin") };

        using var result = await Module("echo").RunAsync(
            [.. inputs, .. outputs],
            [PipelineOutput.File(InterfaceType.TextFile, outputs[0]), PipelineOutput.File(InterfaceType.BinaryFile, outputs[1])],
            [PipelineInput.TextFile(inputs[0]), PipelineInput.BinaryFile(inputs[1])]);

        Assert.Equal("The answer is 42.", await File.ReadAllTextAsync(outputs[0]));
        Assert.Equal(new byte[] { 0xde, 0xad, 0xbe, 0xef }, await File.ReadAllBytesAsync(outputs[1]));
        Assert.Equal(outputs[0], result.Output<TextFile>(0).Path);
    }

    [Fact]
    public async Task Negate_RgbImage_ChecksLayoutAndInvertsEveryByte()
    {
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));

        using var result = await Module("negate").RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)]);

        var negated = result.Output<Image>(0);
        Assert.Equal(image.ImageType, negated.ImageType);
        Assert.Equal(image.Size, negated.Size);
        var a = image.Data.ToArray<byte>();
        var b = negated.Data.ToArray<byte>();
        Assert.Equal(a.Select(x => (byte)(255 - x)), b);

        Assert.Equal("negated 65536 pixels\n", result.Stdout);
        Assert.True(result.Timings.Compute > TimeSpan.Zero && result.Timings.Total >= result.Timings.Compute);
    }

    [Fact]
    public async Task InterfaceJson_IsParsedIntoInputsOutputsAndParameters()
    {
        var description = await Module("echo").GetInterfaceAsync();

        Assert.Equal("echo", description.Name);
        Assert.Equal("1.0.0", description.Version);
        Assert.Equal(InterfaceType.Image, Assert.Single(description.Inputs).InterfaceType);
        Assert.True(Assert.Single(description.Outputs).IsOutput);
        var factor = Assert.Single(description.Parameters, p => p.Name == "factor");
        Assert.Equal(("FLOAT", "2.5"), (factor.Type, factor.Default));
    }

    [Fact]
    public async Task Print_StdoutAndStderr_AreCapturedPerRun()
    {
        using var first = await Module("behave").RunAsync(["print", "one"], [], []);
        using var second = await Module("behave").RunAsync(["print", "two"], [], []);

        Assert.Equal(("one\n", "warning: one\n"), (first.Stdout, first.Stderr));
        Assert.Equal(("two\n", "warning: two\n"), (second.Stdout, second.Stderr));
    }

    [Fact]
    public async Task NonZeroExit_FailsWithTheCodeAndStderr_AndTheNextRunWorks()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("behave").RunAsync(["exit", "no pixels"], [], []));

        Assert.Equal(PipelineFailureKind.NonZeroExit, e.Kind);
        Assert.Equal(3, e.ReturnCode);
        Assert.Equal("bad input: no pixels\n", e.Stderr);
        Assert.Contains("exited with code 3; stderr: bad input: no pixels", e.Message, StringComparison.Ordinal);
        await AssertHealthy();
    }

    [Fact]
    public async Task Trap_FailsTheRunOnly()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("behave").RunAsync(["trap"], [], []));

        Assert.Equal(PipelineFailureKind.Trap, e.Kind);
        Assert.Contains("unreachable", e.Message, StringComparison.Ordinal);
        await AssertHealthy();
    }

    [Fact]
    public async Task InfiniteLoop_IsStoppedAtTheDeadline_AndTheNextRunWorks()
    {
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("behave").RunAsync(
            ["loop"], [], [], new PipelineRunOptions { Timeout = TimeSpan.FromSeconds(1) }));

        Assert.Equal(PipelineFailureKind.Timeout, e.Kind);
        Assert.Contains("did not finish within 00:00:01", e.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"stopping took {watch.Elapsed}");
        await AssertHealthy();
    }

    [Fact]
    public async Task Cancellation_StopsARunningModule()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Module("behave").RunAsync(["loop"], [], [], null, cancel.Token));
        await AssertHealthy();
    }

    [Fact]
    public async Task Cancellation_OfARunWaitingForASlot_ReturnsWithoutWaiting()
    {
        using var stopLoops = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 2).Select(_ => Module("behave").RunAsync(["loop"], [], [], null, stopLoops.Token)).ToArray();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        // Both slots spin; the third run waits in the queue until its token is cancelled.
        var queued = Module("behave").RunAsync(["print", "never"], [], [], null, cancel.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        Assert.All(loops, l => Assert.False(l.IsCompleted));
        await stopLoops.CancelAsync();
        foreach (var loop in loops)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
        }

        await AssertHealthy();
    }

    [Fact]
    public async Task OutputFileInAMissingFolder_IsAnInvalidRequest()
    {
        using var temp = new TempDirectory();
        var input = temp.Combine("in.txt");
        await File.WriteAllTextAsync(input, "data");
        var output = temp.Combine("missing/out.txt");

        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("echo").RunAsync(
            [input, output], [PipelineOutput.File(InterfaceType.TextFile, output)], [PipelineInput.TextFile(input)]));

        Assert.Equal(PipelineFailureKind.InvalidRequest, e.Kind);
        Assert.Contains($"no such folder: {temp.Combine("missing")}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunawayMemory_HitsTheLimit_AndTheNextRunWorks()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("behave").RunAsync(
            ["grow"], [], [], new PipelineRunOptions { MemoryLimitBytes = 64L << 20 }));

        // The cap refused a growth: the error names the cap and what was asked, not just a bare trap.
        Assert.Equal(PipelineFailureKind.OutOfMemory, e.Kind);
        Assert.Matches(@"asked to grow its memory from \d+ to \d+ bytes \(\d+ more\), past the memory limit of 67108864 bytes", e.Message);
        Assert.Contains("out of memory after 48 MiB", e.Stderr, StringComparison.Ordinal);
        await AssertHealthy();
    }

    [Fact]
    public async Task ReusedMemory_StartsZeroed_EvenPastWhatStaysResident()
    {
        // Released memories go back to a pool: the next run must still see fresh, zeroed pages.
        for (var i = 0; i < 3; i++)
        {
            using var scribble = await Module("behave").RunAsync(["scribble"], [], []);
            using var inspect = await Module("behave").RunAsync(["inspect"], [], []);
            Assert.Equal("zero\n", inspect.Stdout);
        }
    }

    [Fact]
    public async Task EndlessRecursion_IsAStackOverflow_AndTheNextRunWorks()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("behave").RunAsync(["recurse"], [], []));

        Assert.Equal(PipelineFailureKind.StackOverflow, e.Kind);
        Assert.Contains("overflowed its stack", e.Message, StringComparison.Ordinal);
        await AssertHealthy();
    }

    [Fact]
    public async Task FilesOutsideTheFileArguments_AreInvisibleToTheModule()
    {
        using var temp = new TempDirectory();
        var secret = temp.Combine("secret.txt");
        await File.WriteAllTextAsync(secret, "not for the module");
        var outDir = Directory.CreateDirectory(temp.Combine("out")).FullName;
        var output = Path.Combine(outDir, "copy.txt");

        // The module is told to copy a file that is not one of its declared inputs: only out/ is preopened.
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("echo").RunAsync(
            [secret, output], [PipelineOutput.File(InterfaceType.TextFile, output)], []));

        Assert.Equal(PipelineFailureKind.NonZeroExit, e.Kind);
        Assert.Equal($"cannot open {secret}\n", e.Stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task InputFileFolders_AreReadOnly()
    {
        using var temp = new TempDirectory();
        var input = temp.Combine("in.txt");
        await File.WriteAllTextAsync(input, "data");
        var output = temp.Combine("sub-of-nothing.txt");

        // The output lands in the input's folder, which the run mounts read-only because no output was declared there.
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("echo").RunAsync(
            [input, output], [], [PipelineInput.TextFile(input)]));

        Assert.Equal($"cannot create {output}\n", e.Stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task BytesThatAreNotWasm_AreAnInvalidModule()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("fake.wasi.wasm");
        await File.WriteAllTextAsync(path, "this is not a module");

        var e = await Assert.ThrowsAsync<PipelineRunException>(() =>
            new Pipeline(PipelineReference.Parse(path), fixture.Runtime).RunAsync([], [], []));

        Assert.Equal(PipelineFailureKind.InvalidModule, e.Kind);
        Assert.Contains("not a WebAssembly module", e.Message, StringComparison.Ordinal);
        await File.WriteAllBytesAsync(path, [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff, 0xff]);
        var truncated = await Assert.ThrowsAsync<PipelineRunException>(() =>
            new Pipeline(PipelineReference.Parse(path), fixture.Runtime).RunAsync([], [], []));
        Assert.Equal(PipelineFailureKind.InvalidModule, truncated.Kind);
        Assert.Contains("does not compile", truncated.Message, StringComparison.Ordinal);
        await AssertHealthy();
    }

    [Fact]
    public async Task ModuleWithoutItkWasmExports_IsAnInvalidModule()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Module("plain").RunAsync([], [], []));

        Assert.Equal(PipelineFailureKind.InvalidModule, e.Kind);
        Assert.Contains("lacks the exports", e.Message, StringComparison.Ordinal);
        Assert.Contains("itk_wasm_delayed_start", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingModuleFile_SaysSo()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() =>
            new Pipeline(PipelineReference.Parse("/nonexistent/x.wasi.wasm"), fixture.Runtime).RunAsync([], [], []));

        Assert.Equal(PipelineFailureKind.InvalidRequest, e.Kind);
        Assert.Contains("no such module file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentRuns_AllComplete()
    {
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var runs = Enumerable.Range(0, 8).Select(_ =>
            Module("negate").RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])).ToArray();

        var results = await Task.WhenAll(runs);

        var first = results[0].Output<Image>(0).Data.ComputeSha256();
        Assert.All(results, r => Assert.Equal(first, r.Output<Image>(0).Data.ComputeSha256()));
        foreach (var r in results)
        {
            r.Dispose();
        }
    }

    private async Task AssertHealthy()
    {
        using var result = await Module("behave").RunAsync(["print", "alive"], [], []);
        Assert.Equal("alive\n", result.Stdout);
    }

    private static Image SampleImage()
    {
        var image = new Image(new ImageType(3, ComponentType.Float32, PixelType.VariableLengthVector, 2))
        {
            Name = "sample",
            Size = [3, 4, 5],
            Origin = [1.5, -2, 3.25],
            Spacing = [0.5, 0.75, 2],
            Direction = [0, 1, 0, -1, 0, 0, 0, 0, 1],
        };
        image.Metadata["modality"] = MetadataValue.FromString("CT");
        image.Metadata["slope"] = MetadataValue.FromNumber(1.25);
        image.Metadata["flipped"] = MetadataValue.FromBoolean(true);
        image.Metadata["window"] = MetadataValue.FromNumberArray([40, 400]);
        image.Metadata["tags"] = MetadataValue.FromStringArray(["a", "b"]);
        image.Metadata["matrix"] = MetadataValue.FromNumberMatrix([[1.0, 0], [0, 1.0]]);
        image.Data.Dispose();
        image.Data = DataBuffer.Copy<float>(Enumerable.Range(0, 3 * 4 * 5 * 2).Select(i => i * 0.5f).ToArray());
        return image;
    }

    private static PointSet SamplePointSet() => new(new PointSetType(3, ComponentType.Float64, ComponentType.UInt16, PixelType.Scalar, 1))
    {
        NumberOfPoints = 3,
        Points = DataBuffer.Copy<double>([0, 0, 0, 1, 0, 0, 0, 1, 0.5]),
        NumberOfPointPixels = 3,
        PointData = DataBuffer.Copy<ushort>([7, 8, 9]),
    };

    private static PolyData SamplePolyData() => new(new PolyDataType(ComponentType.Float32, PixelType.Scalar, 1, ComponentType.Int32, PixelType.Scalar, 1))
    {
        NumberOfPoints = 4,
        Points = DataBuffer.Copy<float>([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]),
        VerticesBufferSize = 2,
        Vertices = DataBuffer.Copy<uint>([1, 3]),
        LinesBufferSize = 3,
        Lines = DataBuffer.Copy<uint>([2, 0, 1]),
        PolygonsBufferSize = 4,
        Polygons = DataBuffer.Copy<uint>([3, 0, 1, 2]),
        NumberOfPointPixels = 4,
        PointData = DataBuffer.Copy<float>([0.1f, 0.2f, 0.3f, 0.4f]),
        NumberOfCellPixels = 3,
        CellData = DataBuffer.Copy<int>([-1, -2, -3]),
    };
}
