using ItkWasm.Runtime;

namespace ItkWasm.Pipelines;

/// <summary>
/// An ITK-Wasm pipeline, shaped like Python's <c>itkwasm.Pipeline(path).run(args, outputs, inputs)</c>. The runtime
/// compiles the module once and caches it; every run gets a fresh instance.
/// </summary>
/// <example>
/// <code>
/// var downsample = new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample"), runtime);
/// using var result = await downsample.RunAsync(
///     ["0", "0", "--memory-io", "--shrink-factors", "2", "2"],
///     [new PipelineOutput(InterfaceType.Image)],
///     [PipelineInput.Image(image)]);
/// var smaller = result.Output&lt;Image&gt;(0);
/// </code>
/// </example>
public sealed class Pipeline
{
    private readonly IWasmRuntime runtime;
    private PipelineInterface? description;

    /// <summary>Creates a pipeline that runs on <paramref name="runtime"/>.</summary>
    public Pipeline(PipelineReference reference, IWasmRuntime runtime)
    {
        Reference = reference ?? throw new ArgumentNullException(nameof(reference));
        this.runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
    }

    /// <summary>Gets the module this pipeline runs.</summary>
    public PipelineReference Reference { get; }

    /// <summary>
    /// Runs the pipeline once.
    /// </summary>
    /// <param name="args">The arguments, without a program name: interface-typed inputs and outputs as their memory-I/O
    /// index (position in <paramref name="inputs"/> or <paramref name="outputs"/>), files as absolute paths, then
    /// options. <c>--memory-io</c> is added when memory inputs or outputs are given and it is missing.</param>
    /// <param name="outputs">The outputs to read back, in index order.</param>
    /// <param name="inputs">The inputs, in index order. The caller keeps owning them.</param>
    /// <param name="options">Deadline, memory limit and output capture; <see cref="PipelineRunOptions.Default"/> if null.</param>
    /// <param name="cancellationToken">Controls the request lifetime; cancelling stops the running module.</param>
    /// <returns>The outputs and captured streams; the caller disposes it.</returns>
    /// <exception cref="PipelineRunException">The pipeline failed: non-zero exit, trap, timeout, out of memory, or an
    /// unusable module. The message includes its stderr.</exception>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public Task<PipelineResult> RunAsync(
        IReadOnlyList<string> args,
        IReadOnlyList<PipelineOutput> outputs,
        IReadOnlyList<PipelineInput> inputs,
        PipelineRunOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        var memoryIo = inputs.Concat<object>(outputs).Any(IsMemoryIo) && !args.Contains("--memory-io");
        var request = new PipelineRunRequest(
            Reference, memoryIo ? [.. args, "--memory-io"] : args, inputs, outputs, options ?? PipelineRunOptions.Default);
        return runtime.RunAsync(request, cancellationToken);
    }

    /// <summary>Reads the pipeline's interface description (<c>--interface-json</c>), once per instance.</summary>
    /// <exception cref="PipelineRunException">The module failed to describe itself.</exception>
    public async Task<PipelineInterface> GetInterfaceAsync(CancellationToken cancellationToken = default)
    {
        if (description is null)
        {
            using var result = await RunAsync(["--interface-json"], [], [], null, cancellationToken).ConfigureAwait(false);
            try
            {
                description = PipelineInterface.Parse(result.Stdout);
            }
            catch (FormatException e)
            {
                throw new PipelineRunException(
                    Reference, PipelineFailureKind.InvalidModule, $"--interface-json printed no description ({e.Message})", result.Stdout, result.Stderr);
            }
        }

        return description;
    }

    private static bool IsMemoryIo(object item)
    {
        var type = item is PipelineInput i ? i.Type : ((PipelineOutput)item).Type;
        return type is not (InterfaceType.TextFile or InterfaceType.BinaryFile);
    }
}
