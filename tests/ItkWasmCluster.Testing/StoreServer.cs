using System.Diagnostics;
using System.Net.Sockets;

namespace ItkWasmCluster.Testing;

/// <summary>
/// A private cluster store for the tests, in a temporary folder, listening on 127.0.0.1 on free ports: Debian's
/// <c>redis-server</c> (append-only file on, as a deployment would run it), or Azurite from tests/Azurite
/// (<c>npm ci --prefix tests/Azurite</c>; .ci/run installs both). It can be stopped and started again mid-test.
/// </summary>
public sealed class StoreServer : IDisposable
{
    /// <summary>Azurite's fixed development account (the emulator's documented, public key).</summary>
    private const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly TempDirectory folder;
    private readonly string program;
    private readonly string[] args;
    private readonly int[] ports;
    private Process? process;

    private StoreServer(TempDirectory folder, string kind, string program, string[] args, int[] ports, string connection)
    {
        this.folder = folder;
        Kind = kind;
        this.program = program;
        this.args = args;
        this.ports = ports;
        Connection = connection;
        Start();
    }

    /// <summary>Gets <c>redis</c> or <c>azure</c>.</summary>
    public string Kind { get; }

    /// <summary>Gets the Redis configuration or the Azure Storage connection string.</summary>
    public string Connection { get; }

    /// <summary>Gets Azurite's blob endpoint, the path-style account URL (<c>http://127.0.0.1:PORT/devstoreaccount1</c>).</summary>
    public string BlobEndpoint => Connection.Split(';').Single(p => p.StartsWith("BlobEndpoint=", StringComparison.Ordinal))["BlobEndpoint=".Length..];

    public static StoreServer Redis()
    {
        var port = Ports.Free();
        var folder = new TempDirectory();
        return new StoreServer(folder, "redis", "redis-server",
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder.FullName, "--appendonly", "yes", "--save", "", "--protected-mode", "no"],
            [port], $"127.0.0.1:{port},abortConnect=false,connectTimeout=2000");
    }

    public static StoreServer Azurite()
    {
        var script = FindAzurite();
        var (blob, queue, table) = (Ports.Free(), Ports.Free(), Ports.Free());
        var folder = new TempDirectory();
        string P(int p) => p.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new StoreServer(folder, "azure", "node",
            [script, "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--location", folder.FullName, "--blobHost", "127.0.0.1", "--blobPort", P(blob),
             "--queueHost", "127.0.0.1", "--queuePort", P(queue), "--tableHost", "127.0.0.1", "--tablePort", P(table)],
            [blob, table],
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AzuriteKey};BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;");
    }

    public void Start()
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!ports.All(Listening))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"{program} did not start listening on {string.Join(", ", ports)}");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Stops the server: with SIGTERM when <paramref name="graceful"/> (it saves its data, as a restart of the
    /// service would), else with SIGKILL.</summary>
    public void Stop(bool graceful = false)
    {
        if (process is { HasExited: false })
        {
            if (graceful)
            {
                using var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                term.WaitForExit();
                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            else
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
        }

        process?.Dispose();
        process = null;
    }

    public void Dispose()
    {
        Stop();
        folder.Dispose();
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindAzurite()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "tests", "Azurite", "node_modules", "azurite", "dist", "src", "azurite.js");
            if (File.Exists(Path.Combine(dir.FullName, "ItkWasmCluster.sln")))
            {
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException($"Azurite is not installed: run 'npm ci --prefix tests/Azurite' in {dir.FullName} (.ci/run does)");
            }
        }

        throw new DirectoryNotFoundException("ItkWasmCluster.sln not found above the test binaries.");
    }
}
