using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Tests.Dispatch;

public class PipelineOverridesTests
{
    private const string Downsample = "@itk-wasm/downsample:downsample";

    [Fact]
    public void Priorities10_15_AndMinus1_SelectThePriority15Override_AsItkWasmsFunctionFactoryTest()
    {
        var registry = new PipelineOverrides();
        registry.Register(new Fake(Downsample, "a"), 10);
        registry.Register(new Fake(Downsample, "b"), 15);
        registry.Register(new Fake(Downsample, "c"), -1);

        Assert.Equal("b", registry.HighestPriority(Downsample)!.Implementation);
    }

    [Fact]
    public void NoOverrideOfAtLeastPriority1_OrNoneRegistered_MeansTheWasmModule()
    {
        var registry = new PipelineOverrides();
        registry.Register(new Fake(Downsample, "a"), 0);

        Assert.Null(registry.HighestPriority(Downsample));
        Assert.Null(registry.HighestPriority("@itk-wasm/downsample:downsample-sigma"));
    }

    [Fact]
    public void Disable_FallsBackToWasm_AndSetPriority_BringsOneBack()
    {
        var registry = new PipelineOverrides();
        registry.Register(new Fake(Downsample, "simd", PipelineCapabilities.Simd, 5));
        registry.Register(new Fake(Downsample, "gpu:cpu", PipelineCapabilities.Gpu, 10));

        registry.Disable(Downsample);
        Assert.Null(registry.HighestPriority(Downsample));
        Assert.All(registry.Of(Downsample), o => Assert.Equal(-1, o.Priority));

        registry.SetPriority(Downsample, "simd", 3);
        Assert.Equal("simd", registry.HighestPriority(Downsample)!.Implementation);
    }

    [Fact]
    public void AnOverrideTheMachineCannotRun_IsPassedOver_ForTheNextHighest()
    {
        var registry = new PipelineOverrides();
        registry.Register(new Fake(Downsample, "simd", PipelineCapabilities.Simd, 5));
        registry.Register(new Fake(Downsample, "gpu:cuda", PipelineCapabilities.Gpu, 10));

        Assert.Equal("gpu:cuda", registry.HighestPriority(Downsample)!.Implementation);
        Assert.Equal("simd", registry.HighestPriority(Downsample, o => o.Capability != PipelineCapabilities.Gpu)!.Implementation);
        Assert.Null(registry.HighestPriority(Downsample, _ => false));
    }

    [Fact]
    public void EqualPriorities_PickTheFirstRegistered_AndRegisteringAgainReplaces()
    {
        var registry = new PipelineOverrides();
        registry.Register(new Fake(Downsample, "a"), 4);
        registry.Register(new Fake(Downsample, "b"), 4);
        Assert.Equal("a", registry.HighestPriority(Downsample)!.Implementation);

        registry.Register(new Fake(Downsample, "a"), 2);
        Assert.Equal("b", registry.HighestPriority(Downsample)!.Implementation);
        Assert.Equal(2, registry.Of(Downsample).Count);
    }

    [Fact]
    public void Configure_SetsPriorities_AndRefusesWhatItCannotApply_NamingIt()
    {
        var registry = new PipelineOverrides();
        registry.Register(new Fake(Downsample, "simd", PipelineCapabilities.Simd, 5));
        registry.Register(new Fake(Downsample, "gpu:cuda", PipelineCapabilities.Gpu, 10));

        registry.Configure($"{Downsample}=gpu:cuda:-1, simd:7");

        Assert.Equal([("simd", 7), ("gpu:cuda", -1)], registry.Of(Downsample).Select(o => (o.Override.Implementation, o.Priority)));
        Assert.Contains("'simd'", Assert.Throws<FormatException>(() => registry.Configure($"{Downsample}=simd")).Message, StringComparison.Ordinal);
        Assert.Contains("gpu:opencl", Assert.Throws<ArgumentException>(() => registry.Configure($"{Downsample}=gpu:opencl:3")).Message, StringComparison.Ordinal);
        Assert.Contains("no override of", Assert.Throws<ArgumentException>(() => registry.Configure("@x/y:z=simd:1")).Message, StringComparison.Ordinal);
    }

    private sealed class Fake(string function, string implementation, string capability = PipelineCapabilities.Simd, int priority = 1) : IPipelineOverride
    {
        public string PipelineFunction => function;

        public string Implementation => implementation;

        public string Capability => capability;

        public int DefaultPriority => priority;

        public bool Accepts(IReadOnlyList<PipelineInput> inputs) => true;

        public Task<PipelineResult> RunAsync(IReadOnlyList<string> args, IReadOnlyList<PipelineOutput> outputs, IReadOnlyList<PipelineInput> inputs, PipelineRunOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
