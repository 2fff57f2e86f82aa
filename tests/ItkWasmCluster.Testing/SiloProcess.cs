using System.Diagnostics;

namespace ItkWasmCluster.Testing;

/// <summary>A silo as a real process (<c>itkwasm-cluster silo</c> on a test store, on free ports), to be killed,
/// stopped and resumed by signal.</summary>
public sealed class SiloProcess : IDisposable
{
    public const string Token = "test-token-0123456789";

    private readonly Process process;
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Text.StringBuilder output = new();

    private SiloProcess(StoreServer store, string clusterId, int concurrency, IEnumerable<string> extra, IReadOnlyDictionary<string, string>? environment = null)
    {
        Url = $"http://127.0.0.1:{Ports.Free()}";
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "itkwasm-cluster.dll"), "silo", store.Kind == "redis" ? "--redis" : "--azure-storage", store.Connection,
            "--cluster-id", clusterId, "--urls", Url, "--token", Token,
            "--concurrency", concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--silo-port", Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--advertised-address", "127.0.0.1",
            "--data-root", Path.GetTempPath(), // where the tests' datasets and results are
            "--module-root", Path.Combine(AppContext.BaseDirectory, "modules"),
        }.Concat(extra))
        {
            start.ArgumentList.Add(a);
        }

        start.Environment["ITKWASM_CACHE_DIR"] = Path.Combine(Path.GetTempPath(), "itkwasm-test-module-cache");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
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

    /// <summary>Gets the silo's address as its log line gave it (<c>S127.0.0.1:PORT:GENERATION</c>).</summary>
    public string Address { get; private set; } = string.Empty;

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

    public bool HasExited => process.HasExited;

    /// <summary>Starts a silo of the cluster <paramref name="clusterId"/> in <paramref name="store"/> and waits until
    /// it serves.</summary>
    public static Task<SiloProcess> StartAsync(StoreServer store, string clusterId, int concurrency = 2, params string[] extra) =>
        StartAsync(store, clusterId, null, concurrency, extra);

    /// <summary>Starts a silo as <see cref="StartAsync(StoreServer, string, int, string[])"/> does, with
    /// <paramref name="environment"/> added to its environment.</summary>
    public static async Task<SiloProcess> StartAsync(StoreServer store, string clusterId, IReadOnlyDictionary<string, string>? environment, int concurrency = 2, params string[] extra)
    {
        var silo = Launch(store, clusterId, environment, concurrency, extra);
        await silo.Serving.WaitAsync(TimeSpan.FromSeconds(60));
        return silo;
    }

    /// <summary>Starts a silo as <see cref="StartAsync(StoreServer, string, IReadOnlyDictionary{string, string}?, int, string[])"/>
    /// does, without waiting: <see cref="Serving"/> completes once it serves.</summary>
    public static SiloProcess Launch(StoreServer store, string clusterId, IReadOnlyDictionary<string, string>? environment, int concurrency = 2, params string[] extra) =>
        new(store, clusterId, concurrency, extra, environment);

    /// <summary>Gets a task that completes once the silo serves (it fails if the process exits first).</summary>
    public Task Serving => listening.Task;

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
            Address = line.Split(' ')[1];
            listening.TrySetResult();
        }
    }
}
