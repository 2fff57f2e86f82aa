namespace ItkWasm.Pipelines;

/// <summary>Where the time of one run went. The parts inside V8 are measured by the executor with
/// <c>performance.now()</c>; <see cref="Total"/> is measured by the caller around the whole call.</summary>
/// <param name="Compile">Compiling the module (zero when it came from the cache).</param>
/// <param name="Instantiate">Creating the fresh instance.</param>
/// <param name="Input">Writing the inputs into linear memory (including receiving their bytes).</param>
/// <param name="Compute">Running the pipeline: <c>itk_wasm_delayed_start</c> or <c>callMain</c>.</param>
/// <param name="Output">Reading the outputs out of linear memory.</param>
/// <param name="Total">From the call to the result, on the caller's clock.</param>
public sealed record PipelineTimings(
    TimeSpan Compile, TimeSpan Instantiate, TimeSpan Input, TimeSpan Compute, TimeSpan Output, TimeSpan Total)
{
    /// <summary>Gets the time spent outside the pipeline's own computation: <see cref="Total"/> minus
    /// <see cref="Compute"/>.</summary>
    public TimeSpan Overhead => Total - Compute;
}
