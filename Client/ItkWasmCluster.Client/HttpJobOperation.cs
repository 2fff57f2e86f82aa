using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Client;

/// <summary>A <see cref="JobOperation"/> on a remote cluster, over its HTTP API.</summary>
internal sealed class HttpJobOperation(ClusterHttp http, string id) : JobOperation
{
    public override string Id => id;

    /// <summary>Streams the job's server-sent events. A stream that breaks or ends before the job does (the silo
    /// restarting, a proxy's idle timeout) is opened again, up to <see cref="ClusterHttp.MaxRetries"/> times in a row
    /// with backoff; each new stream starts with the job's current counts, so the counts are never lost (item events in between are).</summary>
    public override async IAsyncEnumerable<JobProgress> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        for (var failures = 0; ; failures++)
        {
            using var response = await http.OpenStreamAsync($"/api/jobs/{id}/events", cancellationToken).ConfigureAwait(false);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            while (true)
            {
                (string Name, JsonNode Data)? next;
                try
                {
                    next = await ReadEventAsync(reader, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException && failures < http.MaxRetries)
                {
                    break;
                }

                if (next is not { } ev)
                {
                    break; // closed before the end event
                }

                failures = 0;
                var item = ev.Data["item"] is { } itemView ? JobJson.ToEvent(itemView) : null;
                yield return new JobProgress(id, JobJson.ToStatus(ev.Data).Counts, item, Stopwatch.GetElapsedTime(started));
                if (ev.Name == "end")
                {
                    yield break;
                }
            }

            if (failures >= http.MaxRetries)
            {
                throw new IOException($"the event stream of job {id} broke {failures + 1} times in a row");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200 << Math.Min(failures, 5)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the next event (its name and JSON data), or null at the end of the stream.</summary>
    private static async Task<(string Name, JsonNode Data)?> ReadEventAsync(StreamReader reader, CancellationToken cancellationToken)
    {
        var name = "message";
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                return (name, JsonNode.Parse(line["data: ".Length..])!);
            }
        }

        return null;
    }

    public override async Task<JobSummary> WaitForCompletionAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await foreach (var _ in WatchAsync(cancellationToken).ConfigureAwait(false))
        {
        }

        var status = JobJson.ToStatus(await http.SendAsync(HttpMethod.Get, $"/api/jobs/{id}", cancellationToken: cancellationToken).ConfigureAwait(false));
        var tasks = await GetResultsAsync(cancellationToken).ConfigureAwait(false);
        return new JobSummary(id, status.State, status.Counts, tasks, Stopwatch.GetElapsedTime(started), $"{status.Output.TrimEnd('/')}/job.json");
    }

    public override Task CancelAsync(CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Post, $"/api/jobs/{id}/cancel", cancellationToken: cancellationToken);

    public override async Task<IReadOnlyList<ItemRecord>> GetResultsAsync(CancellationToken cancellationToken = default) =>
        (await http.SendAsync(HttpMethod.Get, $"/api/jobs/{id}/items", cancellationToken: cancellationToken).ConfigureAwait(false))
            .AsArray().Select(item => JobJson.ToItem(item!)).ToArray();
}
