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
        NodeRuntimeFixture.RunOracle([new { op = "read-image", input = SharedData.Path(file), output = oracle }]);

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
        NodeRuntimeFixture.RunOracle([new { op = "downsample", input = SharedData.Path(file), output = oracle, shrinkFactors }]);
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
        NodeRuntimeFixture.RunOracle([new { op = "read-mesh", input = SharedData.Path("itk-wasm/cow.vtk"), output = oracle }]);

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

    private static void AssertSameImage(Image expected, Image actual)
    {
        Assert.Equal(expected.ImageType, actual.ImageType);
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Spacing, actual.Spacing);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.Direction, actual.Direction);
        Assert.True(expected.Data.ContentEquals(actual.Data), "pixel buffers differ");
    }
}
