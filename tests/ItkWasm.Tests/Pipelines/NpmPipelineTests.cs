using System.Text.Json.Nodes;
using ItkWasm.IO;
using ItkWasm.Pipelines;

namespace ItkWasm.Tests.Pipelines;

/// <summary>
/// Real ITK-Wasm npm pipelines on real data, each result compared with the same npm package run directly in Node
/// (Oracle/oracle.mjs, the way a Node.js user calls it).
/// </summary>
[Collection("NodeRuntime")]
public class NpmPipelineTests(NodeRuntimeFixture fixture)
{
    public static TheoryData<string> SampleImages { get; } = new()
    {
        "itk-wasm/cthead1.png", "itk-wasm/Gourds.png", "itk-wasm/tooth.nrrd", "itk-wasm/statue-leg.nrrd", "itk-wasm/test.fdf",
        "itk-examples/BrainProtonDensity3Slices.mha", "itk-examples/BrainProtonDensitySlice.png",
        "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", "itk-examples/BrainT1Slice.png",
        "itk-examples/CorpusCallosumMeanShape.mha", "itk-examples/FatMRISlice.png",
        "itk-examples/KmeansTest_T1KmeansPrelimSegmentation.nii.gz", "itk-examples/KmeansTest_T1UCharRaw.nii.gz",
        "itk-examples/RatLungSlice1.mha", "itk-examples/itkBrainSliceComplex.mha",
    };

    [Theory]
    [MemberData(nameof(SampleImages))]
    public async Task ImageIo_ReadsEverySampleImage_AsTheNpmPackageDoes(string file)
    {
        using var temp = new TempDirectory();
        var oracle = temp.Combine("oracle.iwi.cbor");
        Oracle.Run(new { op = "read-image", input = SharedData.Path(file), output = oracle });

        using var image = await new ImageIo(fixture.Runtime).ReadAsync(SharedData.Path(file));

        using var expected = ImageFile.Read(oracle);
        AssertSameImage(expected, image);
    }

    [Theory]
    [InlineData("itk-wasm/cthead1.png", new[] { 2, 2 })]
    [InlineData("itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", new[] { 3, 2 })]
    [InlineData("itk-wasm/tooth.nrrd", new[] { 2, 2, 2 })]
    [InlineData("itk-examples/KmeansTest_T1UCharRaw.nii.gz", new[] { 4, 4, 2 })]
    public async Task Downsample_2DAnd3D_MatchesTheNpmPackage(string file, int[] shrinkFactors)
    {
        using var temp = new TempDirectory();
        var oracle = temp.Combine("oracle.iwi.cbor");
        Oracle.Run(new { op = "downsample", input = SharedData.Path(file), output = oracle, shrinkFactors });
        using var input = await new ImageIo(fixture.Runtime).ReadAsync(SharedData.Path(file));
        var downsample = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), fixture.Runtime);

        using var result = await downsample.RunAsync(
            ["0", "0", "--shrink-factors", .. shrinkFactors.Select(f => f.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            [new PipelineOutput(InterfaceType.Image)],
            [PipelineInput.Image(input)]);

        using var expected = ImageFile.Read(oracle);
        AssertSameImage(expected, result.Output<Image>(0));
        Assert.Equal(input.Size.Zip(shrinkFactors, (s, f) => s / f), result.Output<Image>(0).Size);
    }

    [Fact]
    public async Task MeshIo_ReadsCowVtk_AsTheNpmPackageDoes()
    {
        using var temp = new TempDirectory();
        var oracle = temp.Combine("oracle.iwm.cbor");
        Oracle.Run(new { op = "read-mesh", input = SharedData.Path("itk-wasm/cow.vtk"), output = oracle });

        using var mesh = await new MeshIo(fixture.Runtime).ReadAsync(SharedData.Path("itk-wasm/cow.vtk"));

        using var expected = MeshFile.Read(oracle);
        ImageAssert.Equal(expected, mesh);
        Assert.Equal(2903, mesh.NumberOfPoints);
        Assert.Equal(3263, mesh.NumberOfCells);
    }

    [Fact]
    public async Task ImageIo_WritesNiftiThatReadsBackIdentically()
    {
        using var temp = new TempDirectory();
        var io = new ImageIo(fixture.Runtime);
        using var original = await io.ReadAsync(SharedData.Path("itk-wasm/tooth.nrrd"));

        await io.WriteAsync(original, temp.Combine("tooth.nii.gz"));
        using var back = await io.ReadAsync(temp.Combine("tooth.nii.gz"));

        AssertSameImage(original, back);
        Assert.Equal([temp.Combine("tooth.nii.gz")], Directory.GetFiles(temp.FullName));
    }

    [Fact]
    public async Task ImageIo_UnknownExtension_TriesEveryReader()
    {
        using var temp = new TempDirectory();
        var renamed = temp.Combine("cthead1.unknown");
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), renamed);

        using var image = await new ImageIo(fixture.Runtime).ReadAsync(renamed);

        Assert.Equal([256L, 256L], image.Size);
    }

    [Fact]
    public async Task NpmInterface_DescribesDownsample()
    {
        var description = await new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), fixture.Runtime).GetInterfaceAsync();

        Assert.Equal("downsample", description.Name);
        Assert.Equal(InterfaceType.Image, Assert.Single(description.Inputs).InterfaceType);
        Assert.Equal(InterfaceType.Image, Assert.Single(description.Outputs).InterfaceType);
        Assert.Contains(description.Parameters, p => p.Name == "shrink-factors" && p.Type == "UINT");
    }

    [Fact]
    public async Task UnknownNpmPipeline_ListsThePackagesPipelines()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() =>
            new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:upsample"), fixture.Runtime).RunAsync([], [], []));

        Assert.Equal(PipelineFailureKind.InvalidRequest, e.Kind);
        Assert.Contains("has no pipeline 'upsample'; it has: downsample, downsample-bin-shrink", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NpmPackageNotInstalled_SaysHowToInstallIt()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() =>
            new Pipeline(PipelineReference.Parse("@itk-wasm/elastix:elastix"), fixture.Runtime).RunAsync([], [], []));

        Assert.Contains("is not installed", e.Message, StringComparison.Ordinal);
        Assert.Contains("npm ci", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingNpmRun_LeavesTheNextRunWorking()
    {
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var downsample = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), fixture.Runtime);

        // RGB is not one of downsample's pixel types (it takes VariableLengthVector): the run fails.
        await Assert.ThrowsAsync<PipelineRunException>(() => downsample.RunAsync(
            ["0", "0", "--shrink-factors", "2", "2"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)]));

        image.ImageType = image.ImageType with { PixelType = PixelType.VariableLengthVector };
        using var result = await downsample.RunAsync(
            ["0", "0", "--shrink-factors", "2", "2"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)]);
        Assert.Equal([128L, 128L], result.Output<Image>(0).Size);
    }

    [Fact]
    public async Task TransformIo_ReadsHdf5IntoATransformList_AsTheNpmPackageDoes()
    {
        using var temp = new TempDirectory();
        var h5 = SharedData.Path("itk-wasm/LinearTransform.h5");
        Oracle.Run(new { op = "read-transform", input = h5, output = temp.Combine("oracle.json") });
        var read = new Pipeline(PipelineReference.Parse("@itk-wasm/transform-io:hdf5-read-transform"), fixture.Runtime);

        using var result = await read.RunAsync([h5, "0", "1"], [new PipelineOutput(InterfaceType.JsonCompatible), new PipelineOutput(InterfaceType.TransformList)], [PipelineInput.BinaryFile(h5)]);

        var transform = Assert.Single(result.Output<TransformList>(1));
        var oracle = JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("oracle.json")))!.AsArray().Single()!;
        Assert.Equal(oracle["transformType"]!["transformParameterization"]!.GetValue<string>(), transform.TransformType.TransformParameterization.ToItkWasmString());
        Assert.Equal(oracle["fixedParameters"]!.AsArray().Select(v => v!.GetValue<double>()), transform.FixedParameters);
        Assert.Equal(oracle["parameters"]!.AsArray().Select(v => v!.GetValue<double>()), transform.Parameters.ToArray<double>());
        using var native = TransformListFile.Read(SharedData.Path("itk-wasm/LinearTransform.iwt"));
        Assert.True(native[0].Parameters.ContentEquals(transform.Parameters));
    }

    [Fact]
    public async Task TransformIo_WritesATransformListInput()
    {
        using var temp = new TempDirectory();
        using var transforms = TransformListFile.Read(SharedData.Path("itk-wasm/LinearTransform.iwt"));
        var output = temp.Combine("written.iwt.cbor");
        var write = new Pipeline(PipelineReference.Parse("@itk-wasm/transform-io:wasm-write-transform"), fixture.Runtime);

        using var result = await write.RunAsync(["0", "0", output], [new PipelineOutput(InterfaceType.JsonCompatible), PipelineOutput.File(InterfaceType.BinaryFile, output)], [PipelineInput.TransformList(transforms)]);

        Assert.True(result.Output<JsonCompatible>(0).Value!.GetValue<bool>());
        using var back = TransformListFile.Read(output);
        ImageAssert.Equal(transforms, back);
    }

    [Fact]
    public async Task MeshToPolyDataAndBack_MatchTheNpmPackage()
    {
        using var temp = new TempDirectory();
        Oracle.Run(new { op = "mesh-to-poly-data", input = SharedData.Path("itk-wasm/cow.iwm.cbor"), output = temp.Combine("poly.json"), mesh = temp.Combine("mesh.iwm.cbor") });
        using var cow = MeshFile.Read(SharedData.Path("itk-wasm/cow.iwm.cbor"));
        var toPoly = new Pipeline(PipelineReference.Parse("@itk-wasm/mesh-to-poly-data:mesh-to-poly-data"), fixture.Runtime);
        var toMesh = new Pipeline(PipelineReference.Parse("@itk-wasm/mesh-to-poly-data:poly-data-to-mesh"), fixture.Runtime);

        using var polyResult = await toPoly.RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.PolyData)], [PipelineInput.Mesh(cow)]);
        var poly = polyResult.Output<PolyData>(0);
        using var meshResult = await toMesh.RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Mesh)], [PipelineInput.PolyData(poly)]);

        var oracle = JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("poly.json")))!;
        Assert.Equal(oracle["numberOfPoints"]!.GetValue<long>(), poly.NumberOfPoints);
        Assert.Equal(oracle["points"]!.AsArray().Select(v => v!.GetValue<float>()), poly.Points.ToArray<float>());
        Assert.Equal(oracle["polygons"]!.AsArray().Select(v => v!.GetValue<uint>()), poly.Polygons.ToArray<uint>());
        using var expectedMesh = MeshFile.Read(temp.Combine("mesh.iwm.cbor"));
        ImageAssert.Equal(expectedMesh, meshResult.Output<Mesh>(0));
    }

    [Fact]
    public async Task PointSets_ReadAndWrite_MatchTheNpmPackage()
    {
        using var temp = new TempDirectory();
        var vtk = SharedData.Path("itk-wasm/cow.vtk");
        Oracle.Run(new { op = "read-point-set", input = vtk, output = temp.Combine("points.json") });
        var read = new Pipeline(PipelineReference.Parse("@itk-wasm/mesh-io:vtk-poly-data-read-point-set"), fixture.Runtime);
        var write = new Pipeline(PipelineReference.Parse("@itk-wasm/mesh-io:wasm-write-point-set"), fixture.Runtime);

        using var readResult = await read.RunAsync([vtk, "0", "1"], [new PipelineOutput(InterfaceType.JsonCompatible), new PipelineOutput(InterfaceType.PointSet)], [PipelineInput.BinaryFile(vtk)]);
        var pointSet = readResult.Output<PointSet>(1);
        var output = temp.Combine("points.iwm.cbor");
        using var writeResult = await write.RunAsync(["0", "0", output], [new PipelineOutput(InterfaceType.JsonCompatible), PipelineOutput.File(InterfaceType.BinaryFile, output)], [PipelineInput.PointSet(pointSet)]);

        var oracle = JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("points.json")))!;
        Assert.Equal(2903, pointSet.NumberOfPoints);
        Assert.Equal(oracle["points"]!.AsArray().Select(v => v!.GetValue<float>()), pointSet.Points.ToArray<float>());
        using var written = MeshFile.Read(output);
        Assert.True(pointSet.Points.ContentEquals(written.Points));
    }

    private static void AssertSameImage(Image expected, Image actual)
    {
        ImageAssert.SameGeometry(expected, actual);
        Assert.True(expected.Data.ContentEquals(actual.Data), "pixel buffers differ");
    }
}
