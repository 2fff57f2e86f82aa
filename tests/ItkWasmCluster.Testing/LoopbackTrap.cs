using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ItkWasmCluster.Testing;

/// <summary>A TCP listener on 127.0.0.1 that stands where an attacker's (or an internal) host would be: it counts the
/// connections that reach it, keeps the head of each request, and answers each with an empty 404.</summary>
public sealed class LoopbackTrap : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly List<string> requests = [];
    private int connections;

    /// <summary>Starts listening.</summary>
    public LoopbackTrap()
    {
        listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>Gets the port it listens on.</summary>
    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Gets how many connections reached it.</summary>
    public int Connections => Volatile.Read(ref connections);

    /// <summary>Gets the heads (request line and headers) of the requests it received.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref connections);
            _ = AnswerAsync(client);
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var buffer = new byte[16384];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var n = await stream.ReadAsync(buffer, stop.Token);
                    if (n == 0)
                    {
                        break;
                    }

                    head.Append(Encoding.Latin1.GetString(buffer, 0, n));
                }

                lock (requests)
                {
                    requests.Add(head.ToString());
                }

                await stream.WriteAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away.
            }
        }
    }
}
