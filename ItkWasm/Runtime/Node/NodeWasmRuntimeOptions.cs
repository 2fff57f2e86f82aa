namespace ItkWasm.Runtime.Node;

/// <summary>Settings of a <see cref="NodeWasmRuntime"/>.</summary>
public sealed record NodeWasmRuntimeOptions
{
    /// <summary>Gets the Node.js executable: a path, or a name looked up on <c>PATH</c>. Default <c>node</c>.</summary>
    public string NodeExecutable { get; init; } = "node";

    /// <summary>
    /// Gets the <c>node_modules</c> folder holding <c>itk-wasm</c> and the <c>@itk-wasm/*</c> pipeline packages.
    /// Default: <c>$ITKWASM_NODE_MODULES</c>, else the nearest <c>node_modules</c> with <c>itk-wasm</c> in it above the
    /// application or the current directory. Only npm pipelines need it.
    /// </summary>
    public string? NodeModulesDirectory { get; init; }

    /// <summary>Gets how many runs go on at once, each in its own executor process. Default: the processor count;
    /// at least 1.</summary>
    public int MaxConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets the executor script. Default: <c>itkwasm-executor.mjs</c> beside this assembly.</summary>
    public string? ExecutorScript { get; init; }

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">Names the setting that is wrong.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(NodeExecutable, nameof(NodeExecutable));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrency, 1, nameof(MaxConcurrency));
        if (ExecutorScript is { } script && !File.Exists(script))
        {
            throw new ArgumentException($"ExecutorScript {script} does not exist.", nameof(ExecutorScript));
        }
    }
}
