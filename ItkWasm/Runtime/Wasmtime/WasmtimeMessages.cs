using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>Short forms of Wasmtime's error messages, which put a backtrace first and the cause last.</summary>
internal static class WasmtimeMessages
{
    /// <summary>Returns the cause of <paramref name="message"/>: the first line after <c>Caused by:</c>, else its
    /// first line.</summary>
    public static string Cause(string message)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var causedBy = Array.IndexOf(lines, "Caused by:");
        return causedBy >= 0 && causedBy + 1 < lines.Length ? lines[causedBy + 1] : lines.FirstOrDefault() ?? message;
    }

    /// <summary>Returns the cause of <paramref name="error"/> and the function it happened in, when known:
    /// <c>wasm trap: call stack exhausted, in deep</c>.</summary>
    public static string Describe(WasmtimeException error)
    {
        var cause = Cause(error.Message);
        return error.Frames is { Count: > 0 } frames && frames[0].FunctionName is { Length: > 0 } function ? $"{cause}, in {function}" : cause;
    }
}
