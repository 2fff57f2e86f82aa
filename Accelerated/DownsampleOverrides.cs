using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>The overrides of <c>@itk-wasm/downsample</c> this package provides.</summary>
public static class DownsampleOverrides
{
    /// <summary>Registers them in <paramref name="registry"/> at their default priorities.</summary>
    public static PipelineOverrides Register(PipelineOverrides registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register(new DownsampleBinShrinkSimd());
        return registry;
    }
}
