using System.Text.Json;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Grains;

/// <summary>Writes <c>job.json</c>, the job's report, into its output location: the job, its counts, and per item the
/// input, output, status (<c>succeeded</c>, <c>failed</c> or <c>pending</c>), attempts, duration and error.</summary>
internal static class JobReport
{
    /// <summary>The report's blob name.</summary>
    public const string Name = "job.json";

    /// <summary>Writes the report atomically.</summary>
    public static Task WriteAsync(IBlobStore output, JobRecord job, JobState state, JobCounts counts, IReadOnlyList<TaskRecord> tasks, CancellationToken cancellationToken) =>
        output.UploadAsync(Name, async (stream, ct) =>
        {
            await using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteString("job", job.Spec.Name);
            w.WriteString("id", job.Id);
            w.WriteString("state", state.ToString().ToLowerInvariant());
            w.WriteStartObject("counts");
            w.WriteNumber("total", counts.Total);
            w.WriteNumber("succeeded", counts.Succeeded);
            w.WriteNumber("failed", counts.Failed);
            w.WriteNumber("pending", counts.Pending + counts.Running);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var t in tasks)
            {
                w.WriteStartObject();
                w.WriteString("input", t.Input);
                w.WriteString("output", t.Output);
                w.WriteString("status", (t.State == TaskState.Running ? TaskState.Pending : t.State).ToString().ToLowerInvariant());
                w.WriteNumber("attempts", t.Attempts);
                w.WriteNumber("durationMs", Math.Round(t.Duration.TotalMilliseconds, 1));
                w.WriteBoolean("reused", t.Reused);
                if (t.Error is not null)
                {
                    w.WriteString("error", t.Error);
                }

                if (!string.IsNullOrEmpty(t.Stderr))
                {
                    w.WriteString("stderr", t.Stderr);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            await w.FlushAsync(ct).ConfigureAwait(false);
        }, cancellationToken);
}
