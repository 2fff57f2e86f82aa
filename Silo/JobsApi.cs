using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Silo;

/// <summary>
/// The job API: <c>POST /api/jobs</c> (a JSON job spec; an <c>Idempotency-Key</c> header makes retries create one
/// job), <c>GET /api/jobs</c>, <c>GET /api/jobs/{id}</c>, <c>GET /api/jobs/{id}/items</c>,
/// <c>POST /api/jobs/{id}/cancel</c>, <c>GET /api/jobs/{id}/events</c> (server-sent events: <c>progress</c> with the
/// counts, then <c>end</c>), and <c>GET /api/nodes</c>.
/// </summary>
internal static class JobsApi
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(300);

    public static void Map(WebApplication app)
    {
        app.MapPost("/api/jobs", SubmitAsync);
        app.MapGet("/api/jobs", async (PostgresJobStore store, CancellationToken ct) =>
        {
            var views = new List<JsonObject>();
            foreach (var job in await store.ListJobsAsync(ct).ConfigureAwait(false))
            {
                views.Add(View(job, await store.GetCountsAsync(job.Id, ct).ConfigureAwait(false)));
            }

            return Results.Json(views);
        });
        app.MapGet("/api/jobs/{id}", async (string id, PostgresJobStore store, CancellationToken ct) =>
            await store.GetJobAsync(id, ct).ConfigureAwait(false) is { } job
                ? Results.Json(View(job, await store.GetCountsAsync(id, ct).ConfigureAwait(false)))
                : NotFound(id));
        app.MapGet("/api/jobs/{id}/items", async (string id, PostgresJobStore store, CancellationToken ct) =>
            await store.GetJobAsync(id, ct).ConfigureAwait(false) is null
                ? NotFound(id)
                : Results.Json((await store.GetTasksAsync(id, ct).ConfigureAwait(false)).Select(Item)));
        app.MapPost("/api/jobs/{id}/cancel", async (string id, PostgresJobStore store, CancellationToken ct) =>
        {
            if (await store.GetJobAsync(id, ct).ConfigureAwait(false) is not { } job)
            {
                return NotFound(id);
            }

            if (job.State == JobState.Running)
            {
                await store.SetJobStateAsync(id, JobState.Cancelled, ct).ConfigureAwait(false);
                await JobFinalizer.WriteReportAsync(store, job, JobState.Cancelled, new FileSystemBlobStore(job.Spec.Output.Location), ct).ConfigureAwait(false);
            }

            return Results.Accepted($"/api/jobs/{id}", View((await store.GetJobAsync(id, ct).ConfigureAwait(false))!, await store.GetCountsAsync(id, ct).ConfigureAwait(false)));
        });
        app.MapGet("/api/jobs/{id}/events", EventsAsync);
        app.MapGet("/api/nodes", async (PostgresJobStore store, SiloOptions options, CancellationToken ct) =>
            Results.Json((await store.ListNodesAsync(options.LeaseDuration, ct).ConfigureAwait(false))
                .Select(n => new { id = n.Node, capabilities = n.Capabilities.Split(',', StringSplitOptions.RemoveEmptyEntries), concurrency = n.Concurrency })));
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, PostgresJobStore store, CancellationToken ct)
    {
        JobSpec spec;
        try
        {
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct).ConfigureAwait(false);
            spec = JobSpecParser.FromJson(body);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Results.Json(new ApiError("the request body is too large"), statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        catch (JsonException e)
        {
            return Results.BadRequest(new ApiError($"the body is not JSON: {e.Message}"));
        }
        catch (JobSpecException e)
        {
            return Results.BadRequest(new ApiError(e.Message, e.Field));
        }

        var id = JobIds.For(spec);
        if (request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key
            && await store.RecordSubmissionAsync(key, id, ct).ConfigureAwait(false) is var first && first != id)
        {
            return Results.Conflict(new ApiError($"the Idempotency-Key was already used for job {first}, with another spec"));
        }

        try
        {
            var job = await JobSubmission.SubmitAsync(store, spec, ct).ConfigureAwait(false);
            return Results.Created($"/api/jobs/{job.Id}", View(job, await store.GetCountsAsync(job.Id, ct).ConfigureAwait(false)));
        }
        catch (JobSpecException e)
        {
            return Results.BadRequest(new ApiError(e.Message, e.Field));
        }
    }

    private static async Task EventsAsync(string id, HttpContext context, PostgresJobStore store, CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct).ConfigureAwait(false) is null)
        {
            await NotFound(id).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        JobCounts? last = null;
        while (!ct.IsCancellationRequested)
        {
            JobRecord? job;
            JobCounts counts;
            try
            {
                job = await store.GetJobAsync(id, ct).ConfigureAwait(false);
                counts = await store.GetCountsAsync(id, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (StoreErrors.IsTransient(e) && !ct.IsCancellationRequested)
            {
                // The database is restarting: keep the stream open and poll again.
                await Task.Delay(Poll, ct).ConfigureAwait(false);
                continue;
            }

            if (counts != last)
            {
                await WriteEventAsync(context, "progress", View(job!, counts), ct).ConfigureAwait(false);
                last = counts;
            }

            if (job!.State != JobState.Running)
            {
                await WriteEventAsync(context, "end", View(job, counts), ct).ConfigureAwait(false);
                return;
            }

            await Task.Delay(Poll, ct).ConfigureAwait(false);
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string name, JsonObject data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static IResult NotFound(string id) => Results.NotFound(new ApiError($"no job {id}"));

    private static JsonObject View(JobRecord job, JobCounts counts) => new()
    {
        ["id"] = job.Id,
        ["name"] = job.Spec.Name,
        ["state"] = job.State.ToString().ToLowerInvariant(),
        ["counts"] = new JsonObject
        {
            ["total"] = counts.Total,
            ["succeeded"] = counts.Succeeded,
            ["failed"] = counts.Failed,
            ["pending"] = counts.Pending,
            ["running"] = counts.Running,
        },
        ["created"] = job.Created.ToString("O", CultureInfo.InvariantCulture),
        ["finished"] = job.Finished?.ToString("O", CultureInfo.InvariantCulture),
        ["output"] = job.Spec.Output.Location,
    };

    private static JsonObject Item(TaskRecord t) => new()
    {
        ["input"] = t.Input,
        ["output"] = t.Output,
        ["status"] = (t.State == TaskState.Running ? TaskState.Pending : t.State).ToString().ToLowerInvariant(),
        ["attempts"] = t.Attempts,
        ["durationMs"] = Math.Round(t.Duration.TotalMilliseconds, 1),
        ["reused"] = t.Reused,
        ["error"] = t.Error,
        ["stderr"] = t.Stderr,
    };
}
