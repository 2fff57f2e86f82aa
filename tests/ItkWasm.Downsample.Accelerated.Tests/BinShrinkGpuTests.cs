using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated.Tests;

/// <summary>The ILGPU bin shrink, on ILGPU's CPU accelerator (no GPU is needed; the kernel is the one CUDA and OpenCL
/// compile), against the SIMD one, which the module tests hold to the WebAssembly module's results.</summary>
public sealed class BinShrinkGpuTests(BinShrinkGpuTests.DeviceFixture fixture) : IClassFixture<BinShrinkGpuTests.DeviceFixture>
{
    public static TheoryData<ComponentType> ComponentTypes { get; } = new(Enum.GetValues<ComponentType>());

    [Theory]
    [MemberData(nameof(ComponentTypes))]
    public async Task EveryComponentType_In2DAnd3D_GivesTheSimdResult(ComponentType type)
    {
        using var flat = TestImages.Synthetic(type, [17, 11]);
        using var volume = TestImages.Synthetic(type, [13, 9, 5]);

        await AssertSameAsSimdAsync(flat, ["0", "0", "-s", "3", "2"]);
        await AssertSameAsSimdAsync(volume, ["0", "0", "--shrink-factors", "2", "4", "3"]);
    }

    [Fact]
    public async Task A4DImage_AndInformationOnly_GiveTheSimdResult()
    {
        using var hyper = TestImages.Synthetic(ComponentType.Int16, [6, 5, 4, 3]);

        await AssertSameAsSimdAsync(hyper, ["0", "0", "-s", "2", "2", "1", "3"]);
        await AssertSameAsSimdAsync(hyper, ["0", "0", "-s", "2", "2", "1", "3", "--information-only"]);
    }

    [Fact]
    public void TheOverride_NamesItsDevice_AndOutranksSimd()
    {
        var registry = DownsampleOverrides.Register(new PipelineOverrides(), fixture.Device);

        var chosen = registry.HighestPriority(DownsampleBinShrinkSimd.Function);

        Assert.Equal("gpu:cpu", chosen!.Implementation);
        Assert.Equal(PipelineCapabilities.Gpu, chosen.Capability);
        Assert.Equal("simd", registry.HighestPriority(DownsampleBinShrinkSimd.Function, o => o.Capability != PipelineCapabilities.Gpu)!.Implementation);
    }

    private async Task AssertSameAsSimdAsync(Image input, string[] args)
    {
        PipelineOutput[] outputs = [new PipelineOutput(InterfaceType.Image)];
        using var expected = await new DownsampleBinShrinkSimd().RunAsync(args, outputs, [PipelineInput.Image(input)]);
        using var actual = await new DownsampleBinShrinkGpu(fixture.Device).RunAsync(args, outputs, [PipelineInput.Image(input)]);

        var (e, a) = (expected.Output<Image>(0), actual.Output<Image>(0));
        Assert.Equal(e.Size, a.Size);
        Assert.Equal(e.Spacing, a.Spacing);
        Assert.Equal(e.Origin, a.Origin);
        Assert.Equal(e.Direction, a.Direction);
        Assert.True(TestImages.SamePixels(e, a), $"pixels differ: {TestImages.FirstDifference(e, a)}");
    }

    public sealed class DeviceFixture : IDisposable
    {
        public GpuDevice Device { get; } = GpuDevice.Find(allowCpu: true) ?? throw new InvalidOperationException("ILGPU found no device, not even its CPU accelerator");

        public void Dispose() => Device.Dispose();
    }
}
