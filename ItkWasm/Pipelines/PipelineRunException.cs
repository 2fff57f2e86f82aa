namespace ItkWasm.Pipelines;

/// <summary>
/// A pipeline run failed. The message names the pipeline, what happened and the start of its standard error; the full
/// standard output and error are in <see cref="Stdout"/> and <see cref="Stderr"/>. The runtime stays healthy: the next
/// run works.
/// </summary>
public sealed class PipelineRunException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PipelineRunException(
        PipelineReference pipeline, PipelineFailureKind kind, string detail, string stdout, string stderr, int? returnCode = null)
        : base(Compose(pipeline, kind, detail, stderr, returnCode))
    {
        Summary = Compose(pipeline, kind, detail, string.Empty, returnCode) + (Cause(stderr) is { } cause ? $": {cause}" : string.Empty);
        Pipeline = pipeline;
        Kind = kind;
        Detail = detail;
        Stdout = stdout;
        Stderr = stderr;
        ReturnCode = returnCode;
    }

    /// <summary>Gets the message without the pipeline's whole stderr, for callers that show the stderr separately: what
    /// failed, and the cause the stderr gives (an ITK exception's <c>Description:</c>, else its last line; at most 300
    /// characters).</summary>
    public string Summary { get; }

    /// <summary>Gets the pipeline that failed.</summary>
    public PipelineReference Pipeline { get; }

    /// <summary>Gets why it failed.</summary>
    public PipelineFailureKind Kind { get; }

    /// <summary>Gets the runtime's description (trap message, timeout, exit code).</summary>
    public string Detail { get; }

    /// <summary>Gets what the pipeline wrote to standard output (up to the capture limit).</summary>
    public string Stdout { get; }

    /// <summary>Gets what the pipeline wrote to standard error (up to the capture limit).</summary>
    public string Stderr { get; }

    /// <summary>Gets the pipeline's return code, when it returned one.</summary>
    public int? ReturnCode { get; }

    // The line of stderr that says why: an itk::ExceptionObject's "Description: ...", else the last non-empty line
    // that is not CLI11's "Run with --help for more information.".
    private static string? Cause(string stderr)
    {
        // CLI11, which ITK-Wasm's pipelines parse their arguments with, ends an error with a hint that says nothing.
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Run with --help", StringComparison.Ordinal)).ToArray();
        var description = lines.LastOrDefault(l => l.StartsWith("Description:", StringComparison.Ordinal));
        var cause = description is not null ? description["Description:".Length..].Trim() : lines.LastOrDefault();
        return string.IsNullOrEmpty(cause) ? null : cause.Length <= 300 ? cause : cause[..297] + "...";
    }

    private static string Compose(PipelineReference pipeline, PipelineFailureKind kind, string detail, string stderr, int? returnCode)
    {
        var what = kind switch
        {
            PipelineFailureKind.NonZeroExit => $"exited with code {returnCode}",
            PipelineFailureKind.Trap => $"trapped ({detail})",
            PipelineFailureKind.Timeout => detail,
            PipelineFailureKind.OutOfMemory => $"ran out of memory ({detail})",
            PipelineFailureKind.StackOverflow => $"overflowed its stack ({detail})",
            PipelineFailureKind.InvalidModule => $"is not a usable module: {detail}",
            PipelineFailureKind.UnsupportedModule => detail,
            PipelineFailureKind.InvalidRequest => detail,
            _ => $"failed: {detail}",
        };
        var trimmed = stderr.Trim();
        return trimmed.Length == 0 ? $"{pipeline} {what}" : $"{pipeline} {what}; stderr: {trimmed}";
    }
}
