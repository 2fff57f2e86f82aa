using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>A cluster reached over any silo's HTTP API, retrying transient failures.</summary>
internal sealed class HttpClusterConnection(ClusterHttp http) : IClusterConnection
{
    public async Task<JobOperation> SubmitJobAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        // One key per call: the retries of this call create one job.
        var view = await http.SendAsync(HttpMethod.Post, "/api/jobs", JobSpecParser.ToJson(spec), Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false);
        return new HttpJobOperation(http, view["id"]!.GetValue<string>());
    }

    public Task<JobOperation> GetJobAsync(string id, CancellationToken cancellationToken) =>
        Task.FromResult<JobOperation>(new HttpJobOperation(http, id));

    public async Task<IReadOnlyList<JobStatus>> ListJobsAsync(CancellationToken cancellationToken) =>
        (await http.SendAsync(HttpMethod.Get, "/api/jobs", cancellationToken: cancellationToken).ConfigureAwait(false)).AsArray().Select(j => JobJson.ToStatus(j!)).ToArray();

    public async Task<JobStatus> GetStatusAsync(string id, CancellationToken cancellationToken) =>
        JobJson.ToStatus(await http.SendAsync(HttpMethod.Get, $"/api/jobs/{Uri.EscapeDataString(id)}", cancellationToken: cancellationToken).ConfigureAwait(false));

    public void Dispose() => http.Dispose();
}
