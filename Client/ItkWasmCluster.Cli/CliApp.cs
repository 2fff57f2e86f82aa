using System.CommandLine;
using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasmCluster.Cli.Commands;

namespace ItkWasmCluster.Cli;

/// <summary>
/// The <c>itkwasm-cluster</c> command line. Exit codes: 0 success, 2 usage error, 1 any other failure (130 when
/// interrupted). Errors are one line on standard error, after a failed pipeline's own standard error; a stack trace is
/// printed only when <c>ITKWASM_CLUSTER_DEBUG=1</c>.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;

    /// <summary>Exit code for a failure other than a usage error.</summary>
    public const int Failure = 1;

    /// <summary>Exit code for a usage error (unknown command, missing or invalid argument).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code when the run was interrupted (Ctrl-C).</summary>
    public const int Interrupted = 130;

    /// <summary>Parses <paramref name="args"/>, runs the command, and returns the exit code.</summary>
    /// <param name="args">The command-line arguments, without the program name.</param>
    /// <param name="stdout">Where results go.</param>
    /// <param name="stderr">Where errors go.</param>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stderr);
        using var runtime = new RuntimeHolder();
        // `run|submit ... -- ARGS`: everything after -- belongs to the pipeline, not to this parser.
        var separator = args.Length > 0 && args[0] is "run" or "submit" ? Array.IndexOf(args, "--") : -1;
        string[] pipelineArgs = separator >= 0 ? args[(separator + 1)..] : [];
        var interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        var root = new RootCommand("ItkWasmCluster: run ITK-Wasm pipelines over datasets, and read and write ITK-Wasm files.")
        {
            RunCommand.Create(pipelineArgs, stdout, interactive),
            InfoCommand.Create(stdout, runtime),
            ConvertCommand.Create(runtime),
            ExecCommand.Create(args, stdout, stderr, runtime),
            SiloCommand.Create(stdout),
            SubmitCommand.Create(pipelineArgs, stdout),
            WatchCommand.Create(stdout),
            StatusCommand.Create(stdout),
            CancelCommand.Create(stdout),
        };
        args = separator >= 0 ? args[..separator] : args;
        // No response files: npm pipeline references start with '@'.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            return Usage(stderr, parsed.Errors.Select(e => e.Message));
        }

        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            }).ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            return Usage(stderr, [e.Message]);
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("itkwasm-cluster: interrupted").ConfigureAwait(false);
            return Interrupted;
        }
        catch (Exception e)
        {
            if (e is PipelineRunException { Stderr.Length: > 0 } failed)
            {
                await stderr.WriteAsync(failed.Stderr.EndsWith('\n') ? failed.Stderr : failed.Stderr + "\n").ConfigureAwait(false);
            }

            await stderr.WriteLineAsync($"itkwasm-cluster: {Describe(e)}").ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("ITKWASM_CLUSTER_DEBUG") == "1")
            {
                await stderr.WriteLineAsync(e.ToString()).ConfigureAwait(false);
            }

            return Failure;
        }
    }

    private static int Usage(TextWriter stderr, IEnumerable<string> messages)
    {
        foreach (var message in messages)
        {
            stderr.WriteLine($"itkwasm-cluster: {message}");
        }

        stderr.WriteLine("Run 'itkwasm-cluster --help' for usage.");
        return UsageError;
    }

    private static string Describe(Exception e) => e switch
    {
        PipelineRunException failed => failed.Summary,
        Storage.Blobs.BlobLocationException => e.Message,
        Azure.RequestFailedException { Status: 403 } => "the blob service refused access (403): check the SAS or AZURE_STORAGE_CONNECTION_STRING",
        Azure.RequestFailedException failed => $"the blob service failed the request: {failed.Status} {failed.ErrorCode}",
        ItkWasmFormatException or ItkWasm.Zarr.ZarrFormatException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException
            or UnsupportedFormatException or FormatException or Jobs.JobSpecException => e.Message,
        UnauthorizedAccessException or IOException => $"I/O error: {e.Message}",
        Client.ItkWasmClusterException => $"the cluster refused the request: {e.Message}",
        System.Net.Http.HttpRequestException => $"cannot reach the cluster: {e.Message}",
        InvalidOperationException => e.Message,
        OutOfMemoryException => "out of memory",
        _ => $"internal error ({e.GetType().Name}): {e.Message}",
    };
}
