namespace ItkWasm.Pipelines;

/// <summary>
/// One requested output of a pipeline run, like Python's <c>itkwasm.PipelineOutput</c>. Its position in the output
/// list is its memory-I/O index. File outputs carry the path the pipeline writes, which the arguments also name.
/// </summary>
/// <param name="Type">The interface type.</param>
/// <param name="Path">For <see cref="InterfaceType.TextFile"/> and <see cref="InterfaceType.BinaryFile"/>: the full
/// path of the file the pipeline writes; null otherwise.</param>
public sealed record PipelineOutput(InterfaceType Type, string? Path = null)
{
    /// <summary>An output file the pipeline writes at <paramref name="path"/>.</summary>
    public static PipelineOutput File(InterfaceType type, string path) => new(type, System.IO.Path.GetFullPath(path));
}
