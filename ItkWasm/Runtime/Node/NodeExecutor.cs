using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ItkWasm.Runtime.Node;

/// <summary>
/// One Node.js executor process (<c>executor.mjs</c>): runs one pipeline at a time over its stdin/stdout. It is
/// killed on deadline or cancellation and then discarded; it exits by itself when its host process disappears.
/// </summary>
internal sealed partial class NodeExecutor : IDisposable
{
    /// <summary>Pipe capacity asked for: the Linux default of 64 KiB makes a 64 MiB transfer a thousand writer/reader
    /// hand-offs, each of which can wait for a busy core; 1 MiB (the default <c>pipe-max-size</c>) makes it 64.</summary>
    public const int PipeBytes = 1 << 20;

    private const int StderrLines = 20;
    private static readonly HashSet<NodeExecutor> Live = [];
    private readonly Process process;
    private readonly Queue<string> stderr = new();

    static NodeExecutor() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        lock (Live)
        {
            foreach (var executor in Live.ToArray())
            {
                executor.Kill();
            }
        }
    };

    private NodeExecutor(Process process)
    {
        this.process = process;
        Native.Enlarge(process.StandardInput.BaseStream);
        Native.Enlarge(process.StandardOutput.BaseStream);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (stderr)
            {
                stderr.Enqueue(e.Data);
                if (stderr.Count > StderrLines)
                {
                    stderr.Dequeue();
                }
            }
        };
        process.BeginErrorReadLine();
        lock (Live)
        {
            Live.Add(this);
        }
    }

    /// <summary>Gets the stream requests are written to.</summary>
    public Stream Requests => process.StandardInput.BaseStream;

    /// <summary>Gets the stream responses are read from.</summary>
    public Stream Responses => process.StandardOutput.BaseStream;

    /// <summary>Gets whether the process has ended.</summary>
    public bool HasExited => process.HasExited;

    /// <summary>Starts an executor.</summary>
    /// <exception cref="InvalidOperationException">Node.js could not be started; the message says which setting to fix.</exception>
    public static NodeExecutor Start(string node, string script, string nodeModules)
    {
        var start = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(nodeModules);
        ScrubEnvironment(start.Environment);
        try
        {
            return new NodeExecutor(Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null."));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Node.js could not be started as '{node}' ({e.Message}); install Node.js 20 or later, or set NodeWasmRuntimeOptions.NodeExecutable.", e);
        }
    }

    /// <summary>Leaves an executor only the variables Node.js itself needs: a pipeline's code runs in that process,
    /// and must not see the host's secrets (the silo's token, storage connection strings and keys, cloud
    /// credentials).</summary>
    internal static void ScrubEnvironment(IDictionary<string, string?> environment)
    {
        foreach (var name in environment.Keys.ToArray())
        {
            if (!KeptVariables.Contains(name))
            {
                environment.Remove(name);
            }
        }
    }

    private static readonly HashSet<string> KeptVariables = new(StringComparer.Ordinal)
    {
        "PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ",
    };

    /// <summary>Describes why the process ended, with its last lines of stderr.</summary>
    public string DescribeExit()
    {
        string tail;
        lock (stderr)
        {
            tail = string.Join(" | ", stderr);
        }

        var code = process.HasExited ? $"exit code {process.ExitCode}" : "still running";
        return tail.Length == 0 ? code : $"{code}; stderr: {tail}";
    }

    /// <summary>Kills the process (and anything it started); safe to call more than once.</summary>
    public void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Kills the process and releases it.</summary>
    public void Dispose()
    {
        lock (Live)
        {
            Live.Remove(this);
        }

        Kill();
        process.WaitForExit(1000);
        process.Dispose();
    }

    /// <summary>Reads a response header, or fails if the process ended.</summary>
    public async Task<JsonDocument> ReadHeaderAsync(CancellationToken cancellationToken) =>
        await ExecutorWire.ReadHeaderAsync(Responses, cancellationToken).ConfigureAwait(false)
        ?? throw new EndOfStreamException("The executor closed its output.");

    /// <summary>Linux pipe sizing (fcntl(2) <c>F_SETPIPE_SZ</c>); a no-op elsewhere or when refused.</summary>
    private static partial class Native
    {
        private const int F_SETPIPE_SZ = 1031;

        public static void Enlarge(Stream stream)
        {
            if (OperatingSystem.IsLinux() && stream is PipeStream pipe)
            {
                _ = Fcntl((int)pipe.SafePipeHandle.DangerousGetHandle(), F_SETPIPE_SZ, PipeBytes);
            }
        }

        [LibraryImport("libc", EntryPoint = "fcntl")]
        private static partial int Fcntl(int fd, int command, int argument);
    }
}
