using ItkWasm.Pipelines;

namespace ItkWasm.Runtime;

/// <summary>Everything a runtime needs for one run.</summary>
/// <param name="Pipeline">The module to run.</param>
/// <param name="Args">The arguments, without a program name.</param>
/// <param name="Inputs">The inputs, in memory-I/O index order.</param>
/// <param name="Outputs">The outputs to read back, in index order.</param>
/// <param name="Options">Deadline, memory limit and output capture.</param>
public sealed record PipelineRunRequest(
    PipelineReference Pipeline,
    IReadOnlyList<string> Args,
    IReadOnlyList<PipelineInput> Inputs,
    IReadOnlyList<PipelineOutput> Outputs,
    PipelineRunOptions Options);
