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

    /// <summary>Writes the report atomically, unless the one there has the same bytes; when <paramref name="done"/>, first removes what writers killed mid-write
    /// left beside the job's outputs (every item has finished, so none is being written).</summary>
    public static async Task WriteAsync(IBlobStore output, JobStatus job, IReadOnlyList<ItemRecord> items, bool done)
    {
        if (done)
        {
            await output.CleanUpAsync(items.Select(t => t.Output)).ConfigureAwait(false);
        }

        using var report = new MemoryStream();
        await using (var w = new Utf8JsonWriter(report, new JsonWriterOptions { Indented = true }))
        {
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
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        // A run that changed nothing (a finished job submitted again) leaves the report as it is: nothing is uploaded.
        if (!await BlobContent.SameAsync(output, Name, report.GetBuffer().AsMemory(0, (int)report.Length)).ConfigureAwait(false))
        {
            await output.UploadAsync(Name, (stream, ct) => stream.WriteAsync(report.GetBuffer().AsMemory(0, (int)report.Length), ct).AsTask()).ConfigureAwait(false);
        }
    }
}
