namespace ItkWasmCluster.Jobs;

/// <summary>Which implementation a stage may run on (a job spec's <c>accelerator</c>, written in lower case).</summary>
public enum StageAccelerator
{
    /// <summary>The best override the silo can run, by ITK-Wasm's priority rules; the WebAssembly module when there is
    /// none.</summary>
    Auto,

    /// <summary>Always the WebAssembly module.</summary>
    Wasm,

    /// <summary>An override that runs on the CPU's vector instructions.</summary>
    Simd,

    /// <summary>An override that runs on a GPU.</summary>
    Gpu,
}
