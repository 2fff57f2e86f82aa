using ItkWasm.Runtime;

namespace ItkWasm.Pipelines;

/// <summary>
/// Reads and writes files through an ITK-Wasm IO package's pipelines (<c>@itk-wasm/image-io</c>,
/// <c>@itk-wasm/mesh-io</c>): <c>&lt;io&gt;-read-&lt;noun&gt; FILE could-read value</c> and
/// <c>&lt;io&gt;-write-&lt;noun&gt; value could-write FILE</c> (ITKWASM-SPEC §5.1). The IO is chosen by extension as
/// the packages' own <c>read*Node</c> functions do; a file with an unknown extension is offered to every reader in the
/// package's order until one can read it.
/// </summary>
/// <typeparam name="T">The value type read and written.</typeparam>
internal sealed class IoPipelines<T>(
    IWasmRuntime runtime,
    string package,
    string noun,
    InterfaceType type,
    IReadOnlyList<(string Extension, string Io)> extensions,
    IReadOnlyList<string> readOrder)
    where T : class, IDisposable
{
    /// <summary>Returns the IO in <paramref name="table"/> that handles <paramref name="path"/>'s extension (the
    /// longest match), or null.</summary>
    public static string? IoFor(IReadOnlyList<(string Extension, string Io)> table, string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return table.Where(e => name.EndsWith("." + e.Extension, StringComparison.Ordinal))
            .OrderByDescending(e => e.Extension.Length)
            .Select(e => e.Io)
            .FirstOrDefault();
    }

    /// <summary>Returns the IO that handles <paramref name="path"/>'s extension, or null.</summary>
    public string? IoFor(string path) => IoFor(extensions, path);

    /// <summary>Reads <paramref name="path"/>; the caller disposes the result.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">No reader of the package can read it.</exception>
    public Task<T> ReadAsync(string path, CancellationToken cancellationToken) => ReadAsync(path, informationOnly: false, cancellationToken);

    /// <summary>Reads <paramref name="path"/>, or only its header when <paramref name="informationOnly"/> (the
    /// readers' <c>--information-only</c>); the caller disposes the result.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">No reader of the package can read it.</exception>
    public async Task<T> ReadAsync(string path, bool informationOnly, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        var chosen = IoFor(full);
        var failures = new List<string>();
        foreach (var io in chosen is null ? readOrder : [chosen])
        {
            var pipeline = new Pipeline(PipelineReference.Parse($"{package}:{io}-read-{noun}"), runtime);
            PipelineResult result;
            try
            {
                result = await pipeline.RunAsync(
                    informationOnly ? [full, "0", "1", "--memory-io", "--information-only"] : [full, "0", "1", "--memory-io"],
                    [new PipelineOutput(InterfaceType.JsonCompatible), new PipelineOutput(type)],
                    [PipelineInput.BinaryFile(full)],
                    cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (PipelineRunException e) when (chosen is null && e.Kind != PipelineFailureKind.InvalidRequest)
            {
                failures.Add($"{io}: {e.Kind}");
                continue;
            }

            if (result.Output<JsonCompatible>(0).Value?.GetValue<bool>() == true)
            {
                return result.Output<T>(1);
            }

            result.Dispose();
            failures.Add($"{io}: cannot read it");
        }

        // One line: every reader declining is "none accepts it"; only readers that failed otherwise are named.
        var failed = failures.Where(f => !f.EndsWith(": cannot read it", StringComparison.Ordinal)).ToList();
        throw new NotSupportedException(failed.Count == 0
            ? $"{path}: no reader of {package} accepts this file"
            : $"{path}: {package} could not read this file ({string.Join("; ", failed)})");
    }

    /// <summary>Writes <paramref name="value"/> to <paramref name="path"/> atomically, in the format its extension names.</summary>
    /// <exception cref="NotSupportedException">The extension names no format of the package, or its writer refused.</exception>
    public async Task WriteAsync(T value, string path, bool useCompression, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var io = IoFor(full) ?? throw new NotSupportedException(
            $"{path}: {package} has no writer for this extension; known: {string.Join(", ", extensions.Select(e => "." + e.Extension))}");
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        // Keep the extension at the end of the temporary name: some IOs pick compression by it (.nii.gz).
        var temp = Path.Combine(directory, $".tmp-{Guid.NewGuid():N}-{Path.GetFileName(full)}");
        try
        {
            var pipeline = new Pipeline(PipelineReference.Parse($"{package}:{io}-write-{noun}"), runtime);
            using var result = await pipeline.RunAsync(
                useCompression ? ["0", "0", temp, "--memory-io", "--use-compression"] : ["0", "0", temp, "--memory-io"],
                [new PipelineOutput(InterfaceType.JsonCompatible), PipelineOutput.File(InterfaceType.BinaryFile, temp)],
                [new PipelineInput(type, value)],
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.Output<JsonCompatible>(0).Value?.GetValue<bool>() != true || !File.Exists(temp))
            {
                throw new NotSupportedException($"{path}: the {io} writer of {package} cannot write this {noun}");
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
