using System.Text.Json;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>Writes <c>job.json</c>, the job's report, into its output location: the job (name, id, state, counts)
/// and every item as the API shows it (<see cref="JobJson"/>): input, output, status (<c>succeeded</c>, <c>failed</c>
/// or <c>pending</c>), attempts, duration, the silo that ran it, error and stderr.</summary>
internal static class JobReport
{
    /// <summary>The report's blob name.</summary>
    public const string Name = "job.json";

    /// <summary>Writes the report atomically; when <paramref name="done"/>, first deletes the temporaries that writers
    /// killed mid-write left beside the job's outputs (every item has finished, so none is being written).</summary>
    public static Task WriteAsync(FileSystemBlobStore output, JobStatus job, IReadOnlyList<ItemRecord> items, bool done)
    {
        if (done)
        {
            output.DeleteAbandonedTemporaries(items.Select(t => t.Output));
        }

        return output.UploadAsync(Name, async (stream, ct) =>
        {
            await using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("job", job.Name);
            w.WriteString("id", job.Id);
            w.WriteString("state", job.State.ToString().ToLowerInvariant());
            w.WriteStartObject("counts");
            w.WriteNumber("total", job.Counts.Total);
            w.WriteNumber("succeeded", job.Counts.Succeeded);
            w.WriteNumber("failed", job.Counts.Failed);
            w.WriteNumber("pending", job.Counts.Pending + job.Counts.Running);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in items)
            {
                JobJson.ToJson(item).WriteTo(w);
                await w.FlushAsync(ct).ConfigureAwait(false);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync(ct).ConfigureAwait(false);
        }, CancellationToken.None);
    }
}
