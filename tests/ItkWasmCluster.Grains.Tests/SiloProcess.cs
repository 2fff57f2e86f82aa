using System.Diagnostics;

namespace ItkWasmCluster.Grains.Tests;

/// <summary>A silo as a real process (<c>itkwasm-cluster silo</c>), to be killed, stopped and resumed by signal.</summary>
public sealed class SiloProcess : IDisposable
{
    public const string Token = "test-token-0123456789";

    private readonly Process process;
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder output = new();

    private SiloProcess(string postgres, int concurrency, int leaseSeconds)
    {
        Url = $"http://127.0.0.1:{PostgresServer.FreePort()}";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "itkwasm-cluster.dll"), "silo", "--postgres", postgres, "--urls", Url, "--token", Token,
            "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--lease", leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(a);
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Record(e.Data, e.Data?.StartsWith("silo ", StringComparison.Ordinal) == true);
        process.ErrorDataReceived += (_, e) => Record(e.Data, false);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"the silo exited: {Output}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Url { get; }

    /// <summary>Gets the node id the silo claims tasks under (host name and process id).</summary>
    public string NodeId => $"{Environment.MachineName}/{process.Id}";

    public int Pid => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts a silo and waits until it listens.</summary>
    public static async Task<SiloProcess> StartAsync(string postgres, int concurrency = 2, int leaseSeconds = 5)
    {
        var silo = new SiloProcess(postgres, concurrency, leaseSeconds);
        await silo.listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return silo;
    }

    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Signal("CONT");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Record(string? line, bool started)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        if (started)
        {
            listening.TrySetResult();
        }
    }
}
