using System.CommandLine;
using ItkWasm.IO;
using ItkWasmCluster.Cli.Commands;

namespace ItkWasmCluster.Cli;

/// <summary>
/// The <c>itkwasm-cluster</c> command line. Exit codes: 0 success, 2 usage error, 1 any other failure. Errors are one
/// line on standard error; a stack trace is printed only when <c>ITKWASM_CLUSTER_DEBUG=1</c>.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;

    /// <summary>Exit code for a failure other than a usage error.</summary>
    public const int Failure = 1;

    /// <summary>Exit code for a usage error (unknown command, missing or invalid argument).</summary>
    public const int UsageError = 2;

    /// <summary>Parses <paramref name="args"/>, runs the command, and returns the exit code.</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors go.</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        var root = new RootCommand("ItkWasmCluster: run ITK-Wasm pipelines over datasets, and read and write ITK-Wasm files.")
        {
            InfoCommand.Create(stdout),
            ConvertCommand.Create(),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                stderr.WriteLine($"itkwasm-cluster: {error.Message}");
            }

            stderr.WriteLine("Run 'itkwasm-cluster --help' for usage.");
            return UsageError;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e)
        {
            stderr.WriteLine($"itkwasm-cluster: {Describe(e)}");
            if (Environment.GetEnvironmentVariable("ITKWASM_CLUSTER_DEBUG") == "1")
            {
                stderr.WriteLine(e);
            }

            return Failure;
        }
    }

    private static string Describe(Exception e) => e switch
    {
        ItkWasmFormatException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException
            or UnsupportedFormatException => e.Message,
        UnauthorizedAccessException or IOException => $"I/O error: {e.Message}",
        InvalidOperationException => $"invalid data: {e.Message}",
        OutOfMemoryException => "out of memory",
        _ => $"internal error ({e.GetType().Name}): {e.Message}",
    };
}
