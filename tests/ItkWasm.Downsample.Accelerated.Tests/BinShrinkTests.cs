using System.Globalization;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;
using ItkWasm.Runtime.Node;

namespace ItkWasm.Downsample.Accelerated.Tests;

/// <summary>The SIMD and GPU bin shrinks (the GPU kernel on ILGPU's CPU accelerator) against <c>@itk-wasm/downsample</c>
/// 2.0.2's own <c>downsample-bin-shrink</c> module (npm, on Node), on the shared data's scalar images and on every
/// component type, with factors that do not divide the sizes.</summary>
public sealed class BinShrinkTests(BinShrinkTests.WasmFixture wasm) : IClassFixture<BinShrinkTests.WasmFixture>
{
    public static TheoryData<string, int[]> SampleImages { get; } = new()
    {
        { "itk-wasm/cthead1.png", [2, 2] },
        { "itk-wasm/cthead1.png", [3, 5] },
        { "itk-wasm/web-worker-pool-baseline.iwi", [3, 2] },
        { "itk-wasm/Gourds.png", [4, 3] },
        { "itk-wasm/test.fdf", [3, 2] },
        { "itk-wasm/tooth.nrrd", [2, 3, 2] },
        { "itk-wasm/statue-leg.nrrd", [3, 3, 3] },
        { "itk-examples/BrainProtonDensity3Slices.mha", [2, 2, 3] },
        { "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", [3, 2] },
        { "itk-examples/CorpusCallosumMeanShape.mha", [5, 3] },
        { "itk-examples/KmeansTest_T1KmeansPrelimSegmentation.nii.gz", [3, 3, 2] },
        { "itk-examples/KmeansTest_T1UCharRaw.nii.gz", [4, 4, 2] },
        { "itk-examples/RatLungSlice1.mha", [3, 3] },
    };

    public static TheoryData<ComponentType> ComponentTypes { get; } = new(Enum.GetValues<ComponentType>());

    [Theory]
    [MemberData(nameof(SampleImages))]
    public async Task EverySampleImage_GivesTheWasmModulesGridAndPixels(string file, int[] factors)
    {
        using var input = await TestImages.ReadAsync(wasm.Runtime, file);
        Assert.Equal(1, input.ImageType.Components);

        await AssertSameAsWasmAsync(input, factors);
    }

    [Theory]
    [MemberData(nameof(ComponentTypes))]
    public async Task EveryComponentType_GivesTheWasmModulesPixels_OnAnOddSized3DImage(ComponentType type)
    {
        using var input = TestImages.Synthetic(type, [13, 9, 5]);

        await AssertSameAsWasmAsync(input, [2, 4, 3]);
    }

    [Fact]
    public async Task UInt32MeansOf2To31AndAbove_AreTheMean_WhereTheModuleSaturates()
    {
        using var input = TestImages.Synthetic(ComponentType.UInt32, [2, 2]);
        var values = input.Data.AsSpan<uint>(0, 4);
        values[0] = 3_000_000_000;
        values[1] = 3_000_000_001;
        values[2] = 4_000_000_000;
        values[3] = 4_000_000_001;
        string[] args = ["0", "0", "--shrink-factors", "2", "2"];

        using var wasmResult = await WasmAsync(input, args);
        using var simd = await new DownsampleBinShrinkSimd().RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        Assert.Equal(3_500_000_001u, simd.Output<Image>(0).Data.AsSpan<uint>(0, 1)[0]); // 3,500,000,000.5 rounded half up
        Assert.Equal(2_147_483_648u, wasmResult.Output<Image>(0).Data.AsSpan<uint>(0, 1)[0]); // ITK rounds through a signed 32-bit integer
    }

    [Fact]
    public async Task InformationOnly_GivesTheGridAndNoPixels_AsTheModule()
    {
        using var input = TestImages.Synthetic(ComponentType.Float32, [11, 7]);
        string[] args = ["0", "0", "--shrink-factors", "3", "2", "--information-only"];

        using var expected = await WasmAsync(input, args);
        using var actual = await new DownsampleBinShrinkSimd().RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        AssertSameGrid(expected.Output<Image>(0), actual.Output<Image>(0));
        Assert.Equal(0, actual.Output<Image>(0).Data.Length);
    }

    [Fact]
    public async Task ArgumentsTheModuleRefuses_AreRefused_SayingWhy()
    {
        using var input = TestImages.Synthetic(ComponentType.UInt8, [4, 4]);
        var simd = new DownsampleBinShrinkSimd();
        PipelineOutput[] outputs = [new PipelineOutput(InterfaceType.Image)];
        PipelineInput[] inputs = [PipelineInput.Image(input)];

        var count = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "--shrink-factors", "2"], outputs, inputs));
        var small = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "--shrink-factors", "5", "2"], outputs, inputs));
        var missing = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0"], outputs, inputs));
        var unknown = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "-s", "2", "2", "--crop-radius", "1", "1"], outputs, inputs));

        Assert.Contains("--shrink-factors takes 2 values for a 2D image, not 1", count.Message, StringComparison.Ordinal);
        Assert.Contains("axis 0 has 4 pixels, fewer than its shrink factor 5", small.Message, StringComparison.Ordinal);
        Assert.Contains("--shrink-factors is required", missing.Message, StringComparison.Ordinal);
        Assert.Contains("not expected: --crop-radius", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRegistry_ChoosesTheSimdOverride_UntilItIsDisabled()
    {
        var registry = new PipelineOverrides();
        registry.Register(new DownsampleBinShrinkSimd());

        Assert.IsType<DownsampleBinShrinkSimd>(registry.HighestPriority("@itk-wasm/downsample:downsample-bin-shrink"));
        registry.Disable("@itk-wasm/downsample:downsample-bin-shrink");
        Assert.Null(registry.HighestPriority("@itk-wasm/downsample:downsample-bin-shrink"));
    }

    private async Task AssertSameAsWasmAsync(Image input, int[] factors)
    {
        string[] args = ["0", "0", "--shrink-factors", .. factors.Select(f => f.ToString(CultureInfo.InvariantCulture))];

        using var expected = await WasmAsync(input, args);
        using var actual = await new DownsampleBinShrinkSimd().RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        using var onGpu = await new DownsampleBinShrinkGpu(wasm.Gpu).RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        var e = expected.Output<Image>(0);
        foreach (var a in new[] { actual.Output<Image>(0), onGpu.Output<Image>(0) })
        {
            AssertSameGrid(e, a);
            Assert.Equal(e.ImageType, a.ImageType);
            Assert.True(TestImages.SamePixels(e, a), $"pixels differ: {TestImages.FirstDifference(e, a)}");
        }
    }

    private static void AssertSameGrid(Image expected, Image actual)
    {
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Spacing, actual.Spacing);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.Direction, actual.Direction);
    }

    private Task<PipelineResult> WasmAsync(Image input, string[] args) =>
        new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample-bin-shrink"), wasm.Runtime)
            .RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

    public sealed class WasmFixture : IDisposable
    {
        public NodeWasmRuntime Runtime { get; } = new(new NodeWasmRuntimeOptions { MaxConcurrency = 1 });

        /// <summary>ILGPU's CPU accelerator: the GPU kernel, run without a GPU.</summary>
        public GpuDevice Gpu { get; } = GpuDevice.Find(allowCpu: true)!;

        public void Dispose()
        {
            Runtime.Dispose();
            Gpu.Dispose();
        }
    }
}
