using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>The overrides of <c>@itk-wasm/downsample</c> this package provides.</summary>
public static class DownsampleOverrides
{
    /// <summary>The functions with a SIMD override here.</summary>
    public static IReadOnlySet<string> SimdFunctions { get; } = new HashSet<string>(StringComparer.Ordinal) { DownsampleBinShrinkSimd.Function, DownsampleSimd.Function };

    /// <summary>The functions with a GPU override here.</summary>
    public static IReadOnlySet<string> GpuFunctions { get; } = new HashSet<string>(StringComparer.Ordinal) { DownsampleBinShrinkSimd.Function, DownsampleSimd.Function };

    /// <summary>Registers them in <paramref name="registry"/> at their default priorities: the SIMD ones always, the
    /// GPU ones when there is a <paramref name="gpu"/> device.</summary>
    public static PipelineOverrides Register(PipelineOverrides registry, GpuDevice? gpu = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register(new DownsampleBinShrinkSimd());
        registry.Register(new DownsampleSimd());
        if (gpu is not null)
        {
            registry.Register(new DownsampleBinShrinkGpu(gpu));
            registry.Register(new DownsampleGpu(gpu));
        }

        return registry;
    }
}
