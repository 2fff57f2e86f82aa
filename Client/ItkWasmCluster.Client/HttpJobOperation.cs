using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>A <see cref="JobOperation"/> on a remote cluster, over its HTTP API.</summary>
internal sealed class HttpJobOperation(ClusterHttp http, string id) : JobOperation
{
    public override string Id => id;

    public override async IAsyncEnumerable<JobProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await http.OpenStreamAsync($"/api/jobs/{id}/events", cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        string? name = null;
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var status = ClusterHttp.Status(JsonNode.Parse(line["data: ".Length..])!);
                yield return new JobProgress(id, status.Counts, null, Stopwatch.GetElapsedTime(started));
                if (name == "end")
                {
                    yield break;
                }
            }
        }
    }

    public override async Task<JobSummary> WaitForCompletionAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await foreach (var _ in WatchAsync(cancellationToken).ConfigureAwait(false))
        {
        }

        var status = ClusterHttp.Status(await http.SendAsync(HttpMethod.Get, $"/api/jobs/{id}", cancellationToken: cancellationToken).ConfigureAwait(false));
        var tasks = await GetResultsAsync(cancellationToken).ConfigureAwait(false);
        return new JobSummary(id, status.State, status.Counts, tasks, Stopwatch.GetElapsedTime(started), $"{status.Output.TrimEnd('/')}/job.json");
    }

    public override Task CancelAsync(CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Post, $"/api/jobs/{id}/cancel", cancellationToken: cancellationToken);

    public override async Task<IReadOnlyList<TaskRecord>> GetResultsAsync(CancellationToken cancellationToken = default)
    {
        var items = (await http.SendAsync(HttpMethod.Get, $"/api/jobs/{id}/items", cancellationToken: cancellationToken).ConfigureAwait(false)).AsArray();
        return items.Select((item, index) => new TaskRecord(
            id, index, item!["input"]!.GetValue<string>(), item["output"]!.GetValue<string>(),
            Enum.Parse<TaskState>(item["status"]!.GetValue<string>(), ignoreCase: true), item["attempts"]!.GetValue<int>(),
            item["error"]?.GetValue<string>(), item["stderr"]?.GetValue<string>(),
            TimeSpan.FromMilliseconds(item["durationMs"]!.GetValue<double>()), item["reused"]!.GetValue<bool>())).ToArray();
    }
}
