namespace ItkWasm.Pipelines.Dispatch;

/// <summary>The capabilities an override can need, as silos advertise them.</summary>
public static class PipelineCapabilities
{
    /// <summary>Vector instructions on the CPU (<see cref="System.Numerics.Vector.IsHardwareAccelerated"/>).</summary>
    public const string Simd = "simd";

    /// <summary>A GPU (or, for tests, ILGPU's CPU accelerator standing in for one).</summary>
    public const string Gpu = "gpu";
}
