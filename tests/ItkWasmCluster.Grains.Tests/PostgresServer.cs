using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ItkWasm.Tests;

namespace ItkWasmCluster.Grains.Tests;

/// <summary>
/// A private PostgreSQL server for the tests: Debian's PostgreSQL 15 binaries (installed by .ci/run), a fresh cluster
/// in a temporary folder, listening on 127.0.0.1 on a free port. As root the server runs as the <c>postgres</c> user
/// (runuser), since PostgreSQL refuses to run as root. It can be stopped and started again mid-test.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private static readonly string Bin = Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin")).FirstOrDefault()
        ?? throw new InvalidOperationException("PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it");

    private readonly TempDirectory folder = new();

    public PostgresServer()
    {
        Port = FreePort();
        if (Environment.UserName == "root")
        {
            Run("chown", "-R", "postgres", folder.FullName);
        }

        Pg("initdb", "-D", Data, "-U", "postgres", "--auth=trust", "-E", "UTF8");
        Start();
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Timeout=5;Command Timeout=30";

    private string Data => Path.Combine(folder.FullName, "data");

    public void Start() => Pg("pg_ctl", "-D", Data, "-l", Path.Combine(folder.FullName, "log"), "-w", "-o",
        $"-p {Port} -k {folder.FullName} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", "start");

    public void Stop() => Pg("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");

    public void Dispose()
    {
        try
        {
            Stop();
        }
        finally
        {
            folder.Dispose();
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Pg(string tool, params string[] args)
    {
        var path = Path.Combine(Bin, tool);
        if (Environment.UserName == "root")
        {
            Run("runuser", ["-u", "postgres", "--", path, .. args]);
        }
        else
        {
            Run(path, args);
        }
    }

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {stderr.Result}");
        }
    }
}
