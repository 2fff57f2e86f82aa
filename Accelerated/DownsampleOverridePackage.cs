using ItkWasm.Pipelines.Dispatch;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>The <c>@itk-wasm/downsample</c> overrides as a package a host plugs in: SIMD always, ILGPU kernels where
/// a <c>gpu</c> capability is offered (<see cref="GpuDevice.Current"/>).</summary>
public sealed class DownsampleOverridePackage : IPipelineOverridePackage
{
    /// <inheritdoc/>
    /// <remarks><c>gpu</c> when ILGPU finds a CUDA or OpenCL device, or when <paramref name="configured"/> asks for it
    /// and its CPU accelerator may stand in (<see cref="GpuDevice.CpuVariable"/>, for tests).</remarks>
    public IReadOnlyList<string> DetectCapabilities(IReadOnlyCollection<string> configured)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var asked = configured.Contains(PipelineCapabilities.Gpu);
        var device = asked || Environment.GetEnvironmentVariable(GpuDevice.CpuVariable) is null ? GpuDevice.Current : null;
        if (asked && device is null)
        {
            throw new InvalidOperationException($"the gpu capability needs a device, and ILGPU found no CUDA or OpenCL one (for tests, {GpuDevice.CpuVariable}=cpu lets its CPU accelerator stand in)");
        }

        return device is not null && (asked || device.Implementation != "gpu:cpu") ? [PipelineCapabilities.Gpu] : [];
    }

    /// <inheritdoc/>
    public IReadOnlySet<string> FunctionsNeeding(string capability) =>
        capability == PipelineCapabilities.Gpu ? DownsampleOverrides.GpuFunctions : DownsampleOverrides.SimdFunctions;

    /// <inheritdoc/>
    public void Register(PipelineOverrides registry, IReadOnlyCollection<string> capabilities)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        DownsampleOverrides.Register(registry, capabilities.Contains(PipelineCapabilities.Gpu) ? GpuDevice.Current : null);
    }
}
