using System.Globalization;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated.Tests;

/// <summary>
/// The SIMD and GPU <c>downsample</c> overrides (the GPU kernels on ILGPU's CPU accelerator) against
/// <c>@itk-wasm/downsample</c> 2.0.2's own module (npm, on Node). The grid is always the module's, exactly. Pixels are
/// bit-identical on images whose direction is the identity (any spacing and origin); on rotated images the module maps
/// points to indices through an SVD inverse of the direction, and the few-ulp difference in a sample's position is
/// allowed: one unit for integer types (the truncation can land on the other side), and for floating-point types one
/// unit in the last place of the value or 10⁻¹² of the input's largest magnitude (see <see cref="TestImages.WithinTolerance"/>).
/// </summary>
public sealed class DownsampleTests(BinShrinkTests.WasmFixture wasm) : IClassFixture<BinShrinkTests.WasmFixture>
{
    // Images small enough to also run the GPU kernels on ILGPU's CPU accelerator, an emulator, in a test.
    private const long GpuPixelLimit = 300_000;

    public static TheoryData<string, int[], int[]?> SampleImages { get; } = new()
    {
        { "itk-wasm/cthead1.png", [2, 2], null },
        { "itk-wasm/cthead1.png", [3, 5], [1, 2] },
        { "itk-wasm/Gourds.png", [4, 3], null },
        { "itk-wasm/web-worker-pool-baseline.iwi", [3, 2], [2, 0] },
        { "itk-wasm/test.fdf", [3, 2], null },
        { "itk-wasm/tooth.nrrd", [2, 3, 2], null },
        { "itk-wasm/statue-leg.nrrd", [3, 3, 3], [0, 2, 1] },
        { "itk-examples/BrainProtonDensity3Slices.mha", [2, 2, 3], null },
        { "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", [3, 2], null },
        { "itk-examples/CorpusCallosumMeanShape.mha", [5, 3], null },
        { "itk-examples/KmeansTest_T1KmeansPrelimSegmentation.nii.gz", [3, 3, 2], null },
        { "itk-examples/KmeansTest_T1UCharRaw.nii.gz", [4, 4, 2], [2, 0, 1] },
        { "itk-examples/RatLungSlice1.mha", [3, 3], null },
    };

    public static TheoryData<ComponentType> ComponentTypes { get; } = new(Enum.GetValues<ComponentType>());

    [Theory]
    [MemberData(nameof(SampleImages))]
    public async Task EverySampleImage_GivesTheModulesGrid_AndItsPixels(string file, int[] factors, int[]? crop)
    {
        using var input = await TestImages.ReadAsync(wasm.Runtime, file);

        await AssertAsModuleAsync(input, Args(factors, crop), gpu: input.PixelCount < GpuPixelLimit);
    }

    [Theory]
    [MemberData(nameof(ComponentTypes))]
    public async Task EveryComponentType_OnOddSizedRotatedImages_IsWithinTolerance(ComponentType type)
    {
        using var volume = TestImages.Synthetic(type, [13, 9, 7]);
        using var flat = TestImages.Synthetic(type, [17, 11]);

        await AssertAsModuleAsync(volume, Args([2, 4, 3], [1, 0, 1]), gpu: true);
        await AssertAsModuleAsync(flat, Args([3, 2], null), gpu: true);
    }

    [Theory]
    [MemberData(nameof(ComponentTypes))]
    public async Task EveryComponentType_WithAnIdentityDirection_IsBitIdentical(ComponentType type)
    {
        using var volume = TestImages.Synthetic(type, [13, 9, 7]);
        Array.Clear(volume.Direction);
        volume.Direction[0] = volume.Direction[4] = volume.Direction[8] = 1;

        await AssertAsModuleAsync(volume, Args([3, 2, 2], [0, 1, 0]), gpu: true);
    }

    [Fact]
    public async Task ArgumentsTheModuleRefuses_AreRefused_AndOtherImagesAreLeftToTheModule()
    {
        using var input = TestImages.Synthetic(ComponentType.UInt8, [6, 6]);
        using var vector = new Image(new ImageType(2, ComponentType.Float32, PixelType.VariableLengthVector, 2)) { Size = [6, 6] };
        using var hyper = TestImages.Synthetic(ComponentType.Int16, [4, 4, 4, 4]);
        var simd = new DownsampleSimd();
        PipelineOutput[] outputs = [new PipelineOutput(InterfaceType.Image)];
        PipelineInput[] inputs = [PipelineInput.Image(input)];

        var count = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "-s", "2", "2", "-r", "1"], outputs, inputs));
        var cropped = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "-s", "2", "2", "-r", "3", "0"], outputs, inputs));
        var zero = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "-s", "0", "2"], outputs, inputs));

        Assert.Contains("--crop-radius takes 2 values for a 2D image, not 1", count.Message, StringComparison.Ordinal);
        Assert.Contains("axis 0 has 6 pixels, which leave no output pixel with crop radius 3 and shrink factor 2", cropped.Message, StringComparison.Ordinal);
        Assert.Contains("shrink factors must be 2 integers of at least 1", zero.Message, StringComparison.Ordinal);
        Assert.True(simd.Accepts(inputs));
        Assert.False(simd.Accepts([PipelineInput.Image(vector)]));
        Assert.False(simd.Accepts([PipelineInput.Image(hyper)]));
        Assert.False(new DownsampleGpu(wasm.Gpu).Accepts([PipelineInput.Image(hyper)]));
    }

    [Fact]
    public void TheRegistry_PutsTheGpuOverrideAboveSimd_AboveTheModule()
    {
        var registry = DownsampleOverrides.Register(new PipelineOverrides(), wasm.Gpu);

        Assert.Equal("gpu:cpu", registry.HighestPriority(DownsampleSimd.Function)!.Implementation);
        Assert.Equal("simd", registry.HighestPriority(DownsampleSimd.Function, o => o.Capability == PipelineCapabilities.Simd)!.Implementation);
        Assert.Contains(DownsampleSimd.Function, DownsampleOverrides.GpuFunctions);
    }

    private static string[] Args(int[] factors, int[]? crop) =>
    [
        "0", "0", "--shrink-factors", .. factors.Select(f => f.ToString(CultureInfo.InvariantCulture)),
        .. crop is null ? Array.Empty<string>() : ["--crop-radius", .. crop.Select(c => c.ToString(CultureInfo.InvariantCulture))],
    ];

    private async Task AssertAsModuleAsync(Image input, string[] args, bool gpu)
    {
        PipelineOutput[] outputs = [new PipelineOutput(InterfaceType.Image)];
        using var expected = await new Pipeline(PipelineReference.Parse(DownsampleSimd.Function), wasm.Runtime).RunAsync(args, outputs, [PipelineInput.Image(input)]);
        using var simd = await new DownsampleSimd().RunAsync(args, outputs, [PipelineInput.Image(input)]);
        using var onGpu = gpu ? await new DownsampleGpu(wasm.Gpu).RunAsync(args, outputs, [PipelineInput.Image(input)]) : null;

        var e = expected.Output<Image>(0);
        var identity = IsIdentity(input.Direction, input.ImageType.Dimension);
        foreach (var a in onGpu is null ? [simd.Output<Image>(0)] : new[] { simd.Output<Image>(0), onGpu.Output<Image>(0) })
        {
            Assert.Equal(e.ImageType, a.ImageType);
            Assert.Equal(e.Size, a.Size);
            Assert.Equal(e.Spacing, a.Spacing);
            Assert.Equal(e.Origin, a.Origin);
            Assert.Equal(e.Direction, a.Direction);
            if (identity)
            {
                Assert.True(TestImages.SamePixels(e, a), $"pixels differ: {TestImages.FirstDifference(e, a)}");
            }
            else
            {
                var (within, worst) = TestImages.WithinTolerance(input, e, a);
                Assert.True(within, worst);
            }
        }

        if (onGpu is not null)
        {
            Assert.True(TestImages.SamePixels(simd.Output<Image>(0), onGpu.Output<Image>(0)), "the GPU kernels (CPU accelerator) differ from the SIMD implementation");
        }
    }

    private static bool IsIdentity(double[] direction, int d) =>
        Enumerable.Range(0, d * d).All(i => direction[i] == (i % (d + 1) == 0 ? 1.0 : 0.0));
}
