namespace ItkWasm.Pipelines.Dispatch;

/// <summary>
/// An implementation of one pipeline function that can stand in for its WebAssembly module: ITK-Wasm's accelerator
/// overrides (in Python, entry points in the group <c>{package}.{function}</c>, such as
/// <c>itkwasm-downsample-cucim</c> registering <c>downsample</c> at priority 10; ITKWASM-SPEC §4). It takes the same
/// command line and memory inputs as the module (<see cref="Pipeline.RunAsync"/>) and gives the same outputs.
/// Implementations are thread-safe.
/// </summary>
public interface IPipelineOverride
{
    /// <summary>Gets the function it implements, as a pipeline reference names it:
    /// <c>@itk-wasm/downsample:downsample-bin-shrink</c>.</summary>
    string PipelineFunction { get; }

    /// <summary>Gets what it runs on, as <c>job.json</c> reports it: <c>simd</c>, <c>gpu:cuda</c>,
    /// <c>gpu:opencl</c> or <c>gpu:cpu</c>.</summary>
    string Implementation { get; }

    /// <summary>Gets the capability a machine needs to run it: <see cref="PipelineCapabilities.Simd"/> or
    /// <see cref="PipelineCapabilities.Gpu"/>.</summary>
    string Capability { get; }

    /// <summary>Gets its priority unless configuration sets another: the highest priority of at least 1 wins (as
    /// ITK-Wasm's <c>function_factory.highest_priority</c>).</summary>
    int DefaultPriority { get; }

    /// <summary>Returns whether it implements the function for <paramref name="inputs"/> (an override may cover only
    /// some of the module's input types, such as scalar 2D and 3D images). Where it does not, the module runs.</summary>
    bool Accepts(IReadOnlyList<PipelineInput> inputs);

    /// <summary>Returns whether its result for <paramref name="inputs"/> is the module's byte for byte (proven by tests on
    /// the same inputs), rather than within a stated tolerance. Only such an override stands in for the module when a
    /// stage lets the silo choose (<c>accelerator: auto</c>), so that a job's bytes do not depend on which silo ran
    /// it. The default claims a tolerance only.</summary>
    bool IsExact(IReadOnlyList<PipelineInput> inputs) => false;

    /// <summary>Runs the function once, like <see cref="Pipeline.RunAsync"/>.</summary>
    /// <exception cref="PipelineRunException">The arguments or inputs are ones the module would refuse too (the
    /// message says which), or the run failed.</exception>
    Task<PipelineResult> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyList<PipelineOutput> outputs,
        IReadOnlyList<PipelineInput> inputs,
        PipelineRunOptions? options = null,
        CancellationToken cancellationToken = default);
}
