using System.Text.Json;
using System.Text.Json.Nodes;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace ItkWasmCluster.Silo;

/// <summary>
/// The job API, served from the grains: <c>POST /api/jobs</c> (a JSON job spec; an <c>Idempotency-Key</c> header makes
/// retries create one job), <c>GET /api/jobs</c>, <c>GET /api/jobs/{id}</c>, <c>GET /api/jobs/{id}/items</c> (with
/// the silo that ran each), <c>POST /api/jobs/{id}/cancel</c>, <c>GET /api/jobs/{id}/events</c> (server-sent events
/// from the job grain's observer: <c>progress</c> with the counts and the item event, then <c>end</c>), and
/// <c>GET /api/nodes</c> (the active silos with their slots and capabilities). Shapes: <see cref="JobJson"/>.
/// </summary>
internal static class JobsApi
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/api/jobs", SubmitAsync);
        app.MapGet("/api/jobs", async (IGrainFactory grains) =>
        {
            var ids = await grains.GetGrain<IJobCatalogGrain>(0).ListAsync().ConfigureAwait(false);
            var jobs = await Task.WhenAll(ids.Select(id => grains.GetGrain<IJobGrain>(id).GetStatusAsync())).ConfigureAwait(false);
            return Results.Json(jobs.OfType<JobStatus>().Select(JobJson.ToJson));
        });
        app.MapGet("/api/jobs/{id}", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<IJobGrain>(id).GetStatusAsync().ConfigureAwait(false) is { } job ? Results.Json(JobJson.ToJson(job)) : NotFound(id));
        app.MapGet("/api/jobs/{id}/items", async (string id, IGrainFactory grains) =>
        {
            var job = grains.GetGrain<IJobGrain>(id);
            return await job.GetStatusAsync().ConfigureAwait(false) is null
                ? NotFound(id)
                : Results.Json((await job.GetItemsAsync().ConfigureAwait(false)).Select(JobJson.ToJson));
        });
        app.MapPost("/api/jobs/{id}/cancel", async (string id, IGrainFactory grains) =>
            await grains.GetGrain<IJobGrain>(id).CancelAsync().ConfigureAwait(false) is { } job
                ? Results.Accepted($"/api/jobs/{id}", JobJson.ToJson(job))
                : NotFound(id));
        app.MapGet("/api/jobs/{id}/events", EventsAsync);
        app.MapGet("/api/nodes", (IClusterMembershipService membership, ISiloMetadataCache metadata) =>
            Results.Json(membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m =>
            {
                var data = metadata.GetSiloMetadata(m.SiloAddress).Metadata;
                return new
                {
                    id = m.SiloAddress.ToString(),
                    name = m.Name,
                    capabilities = data.GetValueOrDefault(ClusterSlots.CapabilitiesKey, string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries),
                    concurrency = int.TryParse(data.GetValueOrDefault(ClusterSlots.SlotsKey), out var slots) ? slots : (int?)null,
                };
            })));
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, IGrainFactory grains, CancellationToken ct)
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
            && await grains.GetGrain<IJobCatalogGrain>(0).AddAsync(id, key).ConfigureAwait(false) is var first && first != id)
        {
            return Results.Conflict(new ApiError($"the Idempotency-Key was already used for job {first}, with another spec"));
        }

        try
        {
            var job = await SubmitSpecAsync(grains, spec).ConfigureAwait(false);
            return Results.Created($"/api/jobs/{id}", JobJson.ToJson(job));
        }
        catch (JobSpecException e)
        {
            return Results.BadRequest(new ApiError(e.Message, e.Field));
        }
        catch (OutputLocationInUseException e)
        {
            return Results.Conflict(new ApiError(e.Message, "output.location"));
        }
    }

    /// <summary>Submits <paramref name="spec"/> to its job grain (the job its spec's hash names).</summary>
    /// <exception cref="JobSpecException">The cluster refuses the spec (a location this silo does not serve, a dataset
    /// that cannot be listed).</exception>
    public static Task<JobStatus> SubmitSpecAsync(IGrainFactory grains, JobSpec spec) =>
        grains.GetGrain<IJobGrain>(JobIds.For(spec)).SubmitAsync(spec);

    private static async Task EventsAsync(string id, HttpContext context, IGrainFactory grains, CancellationToken ct)
    {
        var (watch, status) = await JobWatch.StartAsync(grains, id).ConfigureAwait(false);
        await using (watch.ConfigureAwait(false))
        {
            if (status is null)
            {
                await NotFound(id).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            watch.Begin(status);
            await foreach (var progress in watch.Progress.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var data = JobJson.ToJson(status with { Counts = progress.Counts });
                if (progress.Event is { } e)
                {
                    data["item"] = JobJson.ToJson(e);
                }

                await WriteEventAsync(context, "progress", data, ct).ConfigureAwait(false);
            }

            await WriteEventAsync(context, "end", JobJson.ToJson(await watch.Ended.ConfigureAwait(false)), ct).ConfigureAwait(false);
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string name, JsonObject data, CancellationToken ct)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data.ToJsonString()}\n\n", ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
    }

    private static IResult NotFound(string id) => Results.NotFound(new ApiError($"no job {id}"));
}
