namespace ItkWasm.Pipelines;

/// <summary>
/// The result of a successful run: the outputs in the order requested, the pipeline's standard output and error, and
/// where the time went. The result owns the output objects; disposing it disposes them (keep an output by not
/// disposing the result, or by cloning its buffers).
/// </summary>
public sealed class PipelineResult : IDisposable
{
    /// <summary>Creates a result.</summary>
    public PipelineResult(IReadOnlyList<object> outputs, string stdout, string stderr, PipelineTimings timings)
    {
        Outputs = outputs;
        Stdout = stdout;
        Stderr = stderr;
        Timings = timings;
    }

    /// <summary>Gets the outputs, in the order requested: <see cref="Image"/>, <see cref="Mesh"/>,
    /// <see cref="TextStream"/>, <see cref="JsonCompatible"/>, <see cref="TextFile"/>, … by type.</summary>
    public IReadOnlyList<object> Outputs { get; }

    /// <summary>Gets what the pipeline wrote to standard output (up to the capture limit).</summary>
    public string Stdout { get; }

    /// <summary>Gets what the pipeline wrote to standard error (up to the capture limit).</summary>
    public string Stderr { get; }

    /// <summary>Gets the timings of the run.</summary>
    public PipelineTimings Timings { get; }

    /// <summary>Returns output <paramref name="index"/> as a <typeparamref name="T"/>.</summary>
    /// <exception cref="InvalidCastException">The output is of another type.</exception>
    public T Output<T>(int index) => Outputs[index] is T value
        ? value
        : throw new InvalidCastException($"Output {index} is a {Outputs[index].GetType().Name}, not a {typeof(T).Name}.");

    /// <summary>Disposes the outputs that hold native buffers.</summary>
    public void Dispose()
    {
        foreach (var output in Outputs.OfType<IDisposable>())
        {
            output.Dispose();
        }
    }
}
