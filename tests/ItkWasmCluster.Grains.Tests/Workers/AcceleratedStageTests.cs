using System.Numerics;
using System.Text.Json.Nodes;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Workers;

/// <summary>Stages with an override (<c>downsample-bin-shrink</c> and <c>downsample</c> on SIMD) on the embedded cluster: what runs, what
/// <c>job.json</c> says ran (and for how long), and that the override's results are the module's, byte for byte (images without NaNs, whose
/// payloads WebAssembly and x64 set differently).</summary>
[Collection("Cluster")]
public class AcceleratedStageTests
{
    [Fact]
    public async Task Auto_RunsTheSimdOverride_ReportsIt_AndWritesTheWasmModulesBytes()
    {
        using var temp = new TempDirectory();
        var input = Inputs(temp);

        var auto = await ClusterFixture.RunAsync(BinShrink(input, temp.Combine("auto"), StageAccelerator.Auto));
        var wasm = await ClusterFixture.RunAsync(BinShrink(input, temp.Combine("wasm"), StageAccelerator.Wasm));

        var expected = Vector.IsHardwareAccelerated ? "simd" : "wasm";
        Assert.All(auto.Items, i => Assert.Equal(expected, i.Implementations));
        Assert.All(wasm.Items, i => Assert.Equal("wasm", i.Implementations));
        foreach (var item in auto.Items)
        {
            Assert.Equal(ItemStatus.Succeeded, item.Status);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("wasm"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("auto"), item.Output)));
        }

        var report = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(temp.Combine("auto"), "job.json")))!;
        Assert.All(report["items"]!.AsArray(), i => Assert.Equal(expected, i!["implementation"]![0]!.GetValue<string>()));

        // Each item records how long its one stage ran: more than nothing, and no longer than the whole attempt.
        Assert.All(auto.Items, i => Assert.InRange(Assert.Single(ItemRecord.ParseStageSeconds(i.StageSeconds)), 1e-6, i.Duration.TotalSeconds));
        Assert.All(report["items"]!.AsArray(), i => Assert.Single(i!["stageSeconds"]!.AsArray()));
    }

    [Fact]
    public async Task Gpu_WithoutAGpu_IsRefusedAtSubmission_NamingTheField()
    {
        using var temp = new TempDirectory();

        var refused = await Assert.ThrowsAsync<JobSpecException>(() => ClusterFixture.RunAsync(BinShrink(Inputs(temp), temp.Combine("out"), StageAccelerator.Gpu)));

        Assert.Equal("stages[0].accelerator", refused.Field);
        Assert.Contains("no active silo has a GPU", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(temp.Combine("out"), "job.json")));
    }

    [Fact]
    public async Task Simd_RunsTheSimdOverrides_AndAnItemTheyDoNotTake_FailsSayingWhy()
    {
        using var temp = new TempDirectory();
        var input = Inputs(temp);
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(input, "cthead1-rgb.iwi.cbor"));
        var downsample = ClusterFixture.Downsample(input, temp.Combine("downsample"));
        var spec = downsample with { Stages = [downsample.Stages[0] with { Accelerator = StageAccelerator.Simd }], Retries = 0 };

        var simd = await ClusterFixture.RunAsync(spec);

        var rgb = Assert.Single(simd.Items, i => i.Input == "cthead1-rgb.iwi.cbor");
        Assert.Equal(ItemStatus.Failed, rgb.Status);
        Assert.Contains("has no simd implementation that this silo can run for this item (2D, 3 × UInt8 RGB", rgb.Error, StringComparison.Ordinal);
        Assert.All(simd.Items.Where(i => i != rgb), i => Assert.Equal(Vector.IsHardwareAccelerated ? "simd" : null, i.Implementations));
    }

    [Fact]
    public async Task Auto_RunsTheDownsampleOverride_AndWritesTheWasmModulesBytes_OnAxisAlignedImages()
    {
        using var temp = new TempDirectory();
        var input = Inputs(temp);
        var wasmSpec = ClusterFixture.Downsample(input, temp.Combine("wasm"));

        var auto = await ClusterFixture.RunAsync(ClusterFixture.Downsample(input, temp.Combine("auto")));
        var wasm = await ClusterFixture.RunAsync(wasmSpec with { Stages = [wasmSpec.Stages[0] with { Accelerator = StageAccelerator.Wasm }] });

        Assert.All(auto.Items, i => Assert.Equal(Vector.IsHardwareAccelerated ? "simd" : "wasm", i.Implementations));
        Assert.All(wasm.Items, i => Assert.Equal("wasm", i.Implementations));
        foreach (var item in auto.Items)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("wasm"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("auto"), item.Output)));
        }
    }

    [Fact]
    public async Task AnOverridesRefusal_NamesTheOverride_NotTheModule()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), Path.Combine(input, "cthead1.png"));
        var downsample = ClusterFixture.Downsample(input, temp.Combine("out"));
        var spec = downsample with { Stages = [downsample.Stages[0] with { Args = ["--shrink-factors", "2", "2", "--bogus"], Accelerator = StageAccelerator.Simd }], Retries = 0 };

        var item = Assert.Single((await ClusterFixture.RunAsync(spec)).Items);

        Assert.Equal(ItemStatus.Failed, item.Status);
        Assert.Contains(
            Vector.IsHardwareAccelerated ? "the simd override of @itk-wasm/downsample:downsample" : "has no simd implementation that this silo can run",
            item.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Priorities_FromTheSetting_DisableAnOverride_AndABadSettingIsRefusedQuotingIt()
    {
        var disabled = StageImplementations.For(["simd"], [new ItkWasm.Downsample.Accelerated.DownsampleOverridePackage()], "@itk-wasm/downsample:downsample-bin-shrink=simd:-1");
        var stage = new StageSpec { Pipeline = "@itk-wasm/downsample:downsample-bin-shrink" };
        using var image = new ItkWasm.Image(new ItkWasm.ImageType(2, ItkWasm.ComponentType.UInt8)) { Size = [4, 4] };

        Assert.Null(disabled.Choose(stage, ItkWasm.Pipelines.PipelineReference.Parse(stage.Pipeline), 0, image));
        Assert.Equal("simd", StageImplementations.For(["simd"], [new ItkWasm.Downsample.Accelerated.DownsampleOverridePackage()], string.Empty).Choose(stage, ItkWasm.Pipelines.PipelineReference.Parse(stage.Pipeline), 0, image)!.Implementation);
        var bad = Assert.Throws<InvalidOperationException>(() => StageImplementations.For(["simd"], [new ItkWasm.Downsample.Accelerated.DownsampleOverridePackage()], "@itk-wasm/downsample:downsample-bin-shrink=gpu:cuda:3"));
        Assert.Contains("ITKWASM_OVERRIDE_PRIORITIES: no override 'gpu:cuda'", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_TakesAnOverrideOnlyWhereItGivesTheModulesBytes_AndAToleranceNeedsAnExplicitAccelerator()
    {
        var silo = StageImplementations.For(["simd"], [new ItkWasm.Downsample.Accelerated.DownsampleOverridePackage()], string.Empty);
        var downsample = new StageSpec { Pipeline = "@itk-wasm/downsample:downsample" };
        var binShrink = new StageSpec { Pipeline = "@itk-wasm/downsample:downsample-bin-shrink" };
        using var aligned = Image(ItkWasm.ComponentType.UInt8, direction: [1, 0, 0, 1]);
        using var rotated = Image(ItkWasm.ComponentType.UInt8, direction: [0.866, -0.5, 0.5, 0.866]);
        using var withNaN = Image(ItkWasm.ComponentType.Float32, direction: [1, 0, 0, 1]);
        System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(withNaN.Data.AsSpan())[5] = float.NaN;
        using var unsigned32 = Image(ItkWasm.ComponentType.UInt32, direction: [1, 0, 0, 1]);

        Assert.Equal("simd", Choose(downsample, aligned));
        Assert.Equal("wasm", Choose(downsample, rotated)); // within ±1 of the module there: not for auto
        Assert.Equal("simd", Choose(downsample with { Accelerator = StageAccelerator.Simd }, rotated));
        Assert.Equal("wasm", Choose(binShrink, withNaN)); // NaN payloads differ
        Assert.Equal("wasm", Choose(binShrink, unsigned32)); // means of 2^31 or more differ
        Assert.Equal("simd", Choose(binShrink with { Accelerator = StageAccelerator.Simd }, unsigned32));

        // What ran is in the content key where the bytes may differ from the module's.
        Assert.Equal(string.Empty, silo.KeyOf(downsample, ItkWasm.Pipelines.PipelineReference.Parse(downsample.Pipeline)));
        Assert.Equal("simd", silo.KeyOf(downsample with { Accelerator = StageAccelerator.Simd }, ItkWasm.Pipelines.PipelineReference.Parse(downsample.Pipeline)));

        string Choose(StageSpec stage, ItkWasm.Image image) =>
            silo.Choose(stage, ItkWasm.Pipelines.PipelineReference.Parse(stage.Pipeline), 0, image)?.Implementation ?? StageImplementations.Wasm;
    }

    private static ItkWasm.Image Image(ItkWasm.ComponentType type, double[] direction)
    {
        var image = new ItkWasm.Image(new ItkWasm.ImageType(2, type)) { Size = [8, 8], Origin = [0, 0], Spacing = [1, 1], Direction = direction };
        image.Data.Dispose();
        image.Data = ItkWasm.DataBuffer.Allocate(image.ByteLength);
        image.Data.AsSpan().Clear();
        return image;
    }

    private static string Inputs(TempDirectory temp)
    {
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), Path.Combine(input, "cthead1.png"));
        File.Copy(SharedData.Path("itk-wasm/tooth.nrrd"), Path.Combine(input, "tooth.nrrd"));
        File.Copy(SharedData.Path("itk-examples/BrainProtonDensity3Slices.mha"), Path.Combine(input, "BrainProtonDensity3Slices.mha"));
        File.Copy(SharedData.Path("itk-examples/BrainProtonDensity3Slices.raw"), Path.Combine(input, "BrainProtonDensity3Slices.raw"));
        return input;
    }

    private static JobSpec BinShrink(string input, string output, StageAccelerator accelerator) => new()
    {
        Name = "bin-shrink",
        Input = new DatasetSpec { Location = input },
        Stages =
        [
            new StageSpec
            {
                Pipeline = "@itk-wasm/downsample:downsample-bin-shrink",
                Args = ["--shrink-factors", "3", "2"],
                ArgsByDimension = new Dictionary<int, IReadOnlyList<string>> { [3] = ["--shrink-factors", "3", "2", "2"] },
                Accelerator = accelerator,
            },
        ],
        Output = new OutputSpec { Location = output },
        Retries = 1,
    };
}
