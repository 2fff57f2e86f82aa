using System.Data.Common;

namespace ItkWasmCluster.Grains;

/// <summary>Tells a job store that is briefly unreachable (a database restarting, a dropped connection) from a bug.</summary>
public static class StoreErrors
{
    /// <summary>Returns whether <paramref name="exception"/> is worth waiting out and retrying.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is DbException or TimeoutException or IOException or System.Net.Sockets.SocketException;
}
