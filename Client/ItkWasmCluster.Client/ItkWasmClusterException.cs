using System.Net;

namespace ItkWasmCluster.Client;

/// <summary>A remote cluster refused a request. <see cref="Status"/> is the HTTP status; the message is the cluster's
/// explanation (for a 400, it names the job-spec field at fault in <see cref="Field"/>).</summary>
public sealed class ItkWasmClusterException(HttpStatusCode status, string message, string? specField = null)
    : Exception($"{message} ({(int)status} {status})")
{
    /// <summary>Gets the HTTP status of the response.</summary>
    public HttpStatusCode Status => status;

    /// <summary>Gets the job-spec field at fault, for a 400.</summary>
    public string? Field => specField;
}
