using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>
/// One way of reaching a cluster, behind <see cref="ItkWasmClusterClient"/>: over HTTP to a silo's API or as an
/// Orleans client through the cluster's gateways (both in this package, chosen by
/// <see cref="ItkWasmClusterClientOptions"/>), or an embedded cluster in this process (<c>EmbeddedCluster</c> in the
/// <c>ItkWasmCluster.Embedded</c> package, which brings the silo and the wasm runtimes that this package does not).
/// The client owns the connection it is given and disposes it.
/// </summary>
public interface IClusterConnection : IDisposable
{
    /// <summary>Submits (or resumes) a job; see <see cref="ItkWasmClusterClient.SubmitJobAsync"/>.</summary>
    Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken);

    /// <summary>Returns the operation of a job submitted earlier; see <see cref="ItkWasmClusterClient.GetJobAsync"/>.</summary>
    Task<JobOperation> GetJobAsync(string id, CancellationToken cancellationToken);

    /// <summary>Returns the cluster's jobs, newest first; see <see cref="ItkWasmClusterClient.ListJobsAsync"/>.</summary>
    Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken);

    /// <summary>Returns one job's status; see <see cref="ItkWasmClusterClient.GetStatusAsync"/>.</summary>
    Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken);
}
