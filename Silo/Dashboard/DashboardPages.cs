using System.Text;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Hosting;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;
using static ItkWasmCluster.Silo.Dashboard.Html;

namespace ItkWasmCluster.Silo.Dashboard;

/// <summary>
/// The job dashboard every silo serves, rendered on the server from the grains (it works without scripts; the script
/// adds live progress from <c>/api/jobs/{id}/events</c> and refreshes lists): <c>/</c> lists the jobs and submits one
/// from a spec (pasted or uploaded, YAML or JSON), <c>/jobs/{id}</c> shows one job (progress, throughput, the time of
/// each stage and what ran it, the silos, the items with their errors and stderr, and previews of an item's input and
/// result), <c>/nodes</c> the silos. Forms post back here (<c>POST /jobs</c>, <c>/jobs/{id}/cancel</c>,
/// <c>/jobs/{id}/resubmit</c>) and redirect; a post from another origin is refused. Everything is behind
/// <see cref="TokenAuthentication"/>.
/// </summary>
internal static partial class DashboardPages
{
    /// <summary>The most item rows one page shows.</summary>
    private const int MaxRows = 500;

    /// <summary>Maps the pages; when <paramref name="orleansDashboard"/> is false, <c>/dashboard</c> says that Orleans'
    /// dashboard is off on this silo and how to turn it on.</summary>
    public static void Map(WebApplication app, bool orleansDashboard)
    {
        if (!orleansDashboard)
        {
            app.MapGet("/dashboard/{**rest}", () => Page("Orleans dashboard", "orleans", """
                <h1>Orleans dashboard</h1>
                <p>Orleans' dashboard is off on this silo (<code>--orleans-dashboard false</code>, or
                <code>ITKWASM_SILO_ORLEANS_DASHBOARD=false</code>). Start the silo without that setting to serve it here.</p>
                """, StatusCodes.Status404NotFound));
        }

        app.MapGet("/", (IGrainFactory grains, TimeProvider time) => JobsAsync(grains, time)); // the message and spec only ever come from a submission
        app.MapPost("/jobs", SubmitAsync).DisableAntiforgery();
        app.MapGet("/jobs/{id}", JobAsync);
        app.MapPost("/jobs/{id}/cancel", async (string id, HttpRequest request, IGrainFactory grains) =>
        {
            if (!TokenAuthentication.SameOrigin(request))
            {
                return CrossOrigin();
            }

            await grains.GetGrain<IJobGrain>(id).CancelAsync().ConfigureAwait(false);
            return Results.Redirect(JobPath(id), preserveMethod: false);
        });
        app.MapPost("/jobs/{id}/resubmit", ResubmitAsync);
        app.MapGet("/jobs/{id}/items/{index:int}/input.png", (string id, int index, IGrainFactory grains, ItemRunners runners, ILoggerFactory logs, CancellationToken ct) =>
            PreviewAsync(id, index, "input", grains, runners, logs, ct));
        app.MapGet("/jobs/{id}/items/{index:int}/output.png", (string id, int index, IGrainFactory grains, ItemRunners runners, ILoggerFactory logs, CancellationToken ct) =>
            PreviewAsync(id, index, "output", grains, runners, logs, ct));
        app.MapGet("/nodes", NodesAsync);
        app.MapGet("/assets/dashboard.css", () => Asset("dashboard.css"));
        app.MapGet("/assets/dashboard.js", () => Asset("dashboard.js"));
    }

    private static async Task<IResult> JobsAsync(IGrainFactory grains, TimeProvider time, string? error = null, string? spec = null)
    {
        var ids = await grains.GetGrain<IJobCatalogGrain>(0).ListAsync().ConfigureAwait(false);
        var jobs = (await Task.WhenAll(ids.Select(id => grains.GetGrain<IJobGrain>(id).GetStatusAsync())).ConfigureAwait(false))
            .OfType<JobStatus>().OrderByDescending(j => j.Created).ToList();
        var now = time.GetUtcNow();
        var rows = new StringBuilder();
        foreach (var job in jobs)
        {
            var c = job.Counts;
            var done = c.Succeeded + c.Failed;
            var seconds = ((job.Finished ?? now) - job.Created).TotalSeconds;
            rows.Append($"""
                <tr>
                  <td><a href="{E(JobPath(job.Id))}">{E(job.Name)}</a><br><code class="id">{E(job.Id)}</code></td>
                  <td>{Badge(job.State.ToString())}</td>
                  <td>{Progress(done, c.Total, $"{job.Name}: {done} of {c.Total} items finished")}<br><small>{done} of {c.Total}{(c.Failed > 0 ? $", <span class=\"bad\">{c.Failed} failed</span>" : string.Empty)}</small></td>
                  <td class="num">{Number(seconds > 0 ? done / seconds : 0, "0.0")}</td>
                  <td>{Age(now - job.Created)}</td>
                  <td>{Actions(job)}</td>
                </tr>
                """);
        }

        var table = jobs.Count == 0
            ? "<p>No jobs yet: submit one below.</p>"
            : $"""
              <table>
                <caption>Jobs, newest first</caption>
                <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Items/s</th><th scope="col">Age</th><th scope="col">Actions</th></tr></thead>
                <tbody>{rows}</tbody>
              </table>
              """;
        var main = $"""
            <h1>Jobs</h1>
            <section data-live="jobs" aria-live="off">{table}</section>
            <section aria-labelledby="submit-heading">
              <h2 id="submit-heading">Submit a job</h2>
              {(error is null ? string.Empty : $"<p class=\"error\" role=\"alert\" id=\"submit-error\">{E(error)}</p>")}
              <form method="post" action="/jobs" enctype="multipart/form-data" class="submit">
                <label for="spec">Job spec (YAML or JSON; locations the silos serve, not relative paths)</label>
                <textarea id="spec" name="spec" rows="12" spellcheck="false"{(error is null ? string.Empty : " aria-describedby=\"submit-error\"")}>{E(spec)}</textarea>
                <label for="spec-file">…or upload a spec file</label>
                <input id="spec-file" name="specFile" type="file" accept=".yaml,.yml,.json,application/json,text/yaml">
                <button type="submit">Submit job</button>
              </form>
            </section>
            """;
        return Page("Jobs", "jobs", main, error is null ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    private static string Actions(JobStatus job)
    {
        var target = E(JobPath(job.Id));
        return job.State == JobState.Running
            ? $"""<form method="post" action="{target}/cancel"><button type="submit" class="secondary" aria-label="Cancel {E(job.Name)}">Cancel</button></form>"""
            : $"""<form method="post" action="{target}/resubmit"><button type="submit" class="secondary" aria-label="Resubmit {E(job.Name)}">Resubmit</button></form>""";
    }

    private static async Task<IResult> SubmitAsync(HttpRequest request, IGrainFactory grains, TimeProvider time)
    {
        if (!TokenAuthentication.SameOrigin(request))
        {
            return CrossOrigin();
        }

        string text;
        try
        {
            var form = await request.ReadFormAsync().ConfigureAwait(false);
            if (form.Files.GetFile("specFile") is { Length: > 0 } file)
            {
                using var reader = new StreamReader(file.OpenReadStream());
                text = await reader.ReadToEndAsync().ConfigureAwait(false);
            }
            else
            {
                text = form["spec"].ToString();
            }
        }
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return await JobsAsync(grains, time, $"The form could not be read: {e.Message}").ConfigureAwait(false);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return await JobsAsync(grains, time, "Paste a job spec or choose a file.").ConfigureAwait(false);
        }

        try
        {
            var job = await JobsApi.SubmitSpecAsync(grains, JobSpecParser.Parse(text, yaml: true)).ConfigureAwait(false);
            return Results.Redirect(JobPath(job.Id));
        }
        catch (Exception e) when (e is JobSpecException or OutputLocationInUseException)
        {
            // The spec stays in the box, with what is wrong with it.
            return await JobsAsync(grains, time, e.Message, text).ConfigureAwait(false);
        }
    }

    private static async Task<IResult> ResubmitAsync(string id, HttpRequest request, IGrainFactory grains)
    {
        if (!TokenAuthentication.SameOrigin(request))
        {
            return CrossOrigin();
        }

        if (await grains.GetGrain<IJobGrain>(id).GetSpecAsync().ConfigureAwait(false) is not { } spec)
        {
            return JobNotFound(id);
        }

        try
        {
            await JobsApi.SubmitSpecAsync(grains, spec).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JobSpecException or OutputLocationInUseException)
        {
            return Page("Resubmit", "jobs", $"""<h1>Resubmit</h1><p class="error" role="alert">{E(e.Message)}</p><p><a href="{E(JobPath(id))}">Back to the job</a></p>""", StatusCodes.Status400BadRequest);
        }

        return Results.Redirect(JobPath(id));
    }

    private static async Task<IResult> JobAsync(string id, string? status, int? preview, IGrainFactory grains, TimeProvider time)
    {
        var grain = grains.GetGrain<IJobGrain>(id);
        if (await grain.GetStatusAsync().ConfigureAwait(false) is not { } job)
        {
            return JobNotFound(id);
        }

        var items = await grain.GetItemsAsync().ConfigureAwait(false);
        var spec = await grain.GetSpecAsync().ConfigureAwait(false);
        var filter = Enum.TryParse<ItemStatus>(status, ignoreCase: true, out var s) ? s : (ItemStatus?)null;
        var c = job.Counts;
        var done = c.Succeeded + c.Failed;
        var elapsed = ((job.Finished ?? time.GetUtcNow()) - job.Created).TotalSeconds;
        var path = E(JobPath(job.Id));
        var main = $"""
            <h1>{E(job.Name)} {Badge(job.State.ToString())}</h1>
            <p class="meta"><code>{E(job.Id)}</code> · submitted {E(job.Created.ToString("u", System.Globalization.CultureInfo.InvariantCulture))}{(job.Finished is { } f ? $" · ended {E(f.ToString("u", System.Globalization.CultureInfo.InvariantCulture))}" : string.Empty)} · results in <code>{E(job.Output)}</code></p>
            <div class="actions">{Actions(job)}</div>
            <section aria-labelledby="progress-heading" data-job="{E(job.Id)}" data-state="{E(job.State.ToString().ToLowerInvariant())}">
              <h2 id="progress-heading">Progress</h2>
              <p>{Progress(done, c.Total, "Items finished")}</p>
              <p id="counts" aria-live="polite">{Counts(c)}</p>
              <p>Average <span id="rate">{Number(elapsed > 0 ? done / elapsed : 0, "0.00")}</span> items/s since submission.</p>
              <figure>
                <svg id="throughput" width="600" height="120" viewBox="0 0 600 120" role="img" aria-label="Items finished per second while this page is open"><text x="10" y="60">{(job.State == JobState.Running ? "Throughput appears here as items finish." : "The job is not running.")}</text></svg>
                <figcaption>Items finished per second, over the last two minutes this page was open.</figcaption>
              </figure>
            </section>
            <section data-live="detail">
            {Stages(spec, items)}
            {Silos(items)}
            {Previews(path, items, preview)}
            {Items(path, items, filter)}
            </section>
            """;
        return Page(job.Name, "jobs", main);
    }

    private static string Counts(JobCounts c) =>
        $"{c.Succeeded} succeeded, {c.Failed} failed, {c.Running} running, {c.Pending} pending, of {c.Total} items.";

    // The time each stage took over all items, and which implementation ran it how often.
    private static string Stages(JobSpec? spec, IReadOnlyList<ItemRecord> items)
    {
        if (spec is null)
        {
            return string.Empty;
        }

        var seconds = new double[spec.Stages.Count];
        var implementations = spec.Stages.Select(_ => new SortedDictionary<string, int>(StringComparer.Ordinal)).ToArray();
        foreach (var item in items)
        {
            var times = ItemRecord.ParseStageSeconds(item.StageSeconds);
            var ran = item.Implementations?.Split(',') ?? [];
            for (var i = 0; i < spec.Stages.Count; i++)
            {
                seconds[i] += i < times.Length ? times[i] : 0;
                if (i < ran.Length)
                {
                    implementations[i][ran[i]] = implementations[i].GetValueOrDefault(ran[i]) + 1;
                }
            }
        }

        var total = seconds.Sum();
        var rows = new StringBuilder();
        for (var i = 0; i < spec.Stages.Count; i++)
        {
            var ran = implementations[i].Count == 0 ? "—" : string.Join(", ", implementations[i].Select(p => $"{E(p.Key)} × {p.Value}"));
            rows.Append($"""
                <tr><td class="num">{i + 1}</td><td class="path"><code>{E(spec.Stages[i].Pipeline)}</code></td><td class="num">{Number(seconds[i], "0.00")} s</td>
                <td><span class="bar" style="width:{Number(total > 0 ? 100 * seconds[i] / total : 0, "0.#")}%"></span> {Percent(seconds[i], total)}</td><td>{ran}</td></tr>
                """);
        }

        return $"""
            <h2>Stages</h2>
            <table>
              <caption>Time per stage, summed over the items that ran it (the last attempt of each)</caption>
              <thead><tr><th scope="col">#</th><th scope="col">Pipeline</th><th scope="col">Time</th><th scope="col">Share</th><th scope="col">Ran on (accelerated or wasm)</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            """;
    }

    private static string Silos(IReadOnlyList<ItemRecord> items)
    {
        var bySilo = items.Where(i => i.Silo is not null && i.Status is ItemStatus.Succeeded or ItemStatus.Failed)
            .GroupBy(i => i.Silo!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        if (bySilo.Count == 0)
        {
            return string.Empty;
        }

        var rows = string.Concat(bySilo.Select(g =>
            $"""<tr><td><code>{E(g.Key)}</code></td><td class="num">{g.Count(i => i.Status == ItemStatus.Succeeded)}</td><td class="num">{g.Count(i => i.Status == ItemStatus.Failed)}</td><td class="num">{Number(g.Sum(i => i.Duration.TotalSeconds), "0.0")} s</td></tr>"""));
        return $"""
            <h2>Silos</h2>
            <table>
              <caption>Which silo ran what (the last attempt of each item)</caption>
              <thead><tr><th scope="col">Silo</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Time</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            """;
    }

    private static string Previews(string path, IReadOnlyList<ItemRecord> items, int? preview)
    {
        var succeeded = items.Where(i => i.Status == ItemStatus.Succeeded).Take(MaxRows).ToList();
        if (succeeded.Count == 0)
        {
            return "<h2>Preview</h2><p>Previews appear once an item has succeeded.</p>";
        }

        var shown = succeeded.FirstOrDefault(i => i.Index == preview) ?? succeeded[0];
        var options = string.Concat(succeeded.Select(i => $"""<option value="{i.Index}"{(i == shown ? " selected" : string.Empty)}>{E(i.Input)}</option>"""));
        return $"""
            <h2 id="preview">Preview</h2>
            <form method="get" action="{path}#preview" class="inline">
              <label for="preview-item">Item</label>
              <select id="preview-item" name="preview">{options}</select>
              <button type="submit" class="secondary">Show</button>
            </form>
            <div class="previews">
              <figure><img src="{path}/items/{shown.Index}/input.png" alt="Input {E(shown.Input)}, middle slice" loading="lazy"><figcaption>Input <code>{E(shown.Input)}</code></figcaption></figure>
              <figure><img src="{path}/items/{shown.Index}/output.png" alt="Result {E(shown.Output)}, middle slice" loading="lazy"><figcaption>Result <code>{E(shown.Output)}</code></figcaption></figure>
            </div>
            """;
    }

    private static string Items(string path, IReadOnlyList<ItemRecord> items, ItemStatus? filter)
    {
        var shown = items.Where(i => filter is null || JobJson.ShownStatus(i.Status) == filter).ToList();
        var links = string.Concat(new ItemStatus?[] { null, ItemStatus.Pending, ItemStatus.Succeeded, ItemStatus.Failed }.Select(f =>
        {
            var name = f?.ToString() ?? "All";
            var count = f is null ? items.Count : items.Count(i => JobJson.ShownStatus(i.Status) == f);
            return $"""<a href="{path}{(f is null ? string.Empty : $"?status={name.ToLowerInvariant()}")}#items"{(f == filter ? " aria-current=\"true\"" : string.Empty)}>{name} ({count})</a>""";
        }));
        var rows = new StringBuilder();
        foreach (var item in shown.Take(MaxRows))
        {
            var error = item.Error is null ? string.Empty : $"""
                <details><summary>{E(item.Error)}</summary><pre>{E(item.Stderr is { Length: > 0 } ? item.Stderr : "(no stderr)")}</pre></details>
                """;
            var chunks = item.ChunksTotal > 0 ? $" <small>{item.ChunksDone}/{item.ChunksTotal} chunks</small>" : string.Empty;
            rows.Append($"""
                <tr><td class="num">{item.Index}</td><td><code>{E(item.Input)}</code></td><td>{Badge(JobJson.ShownStatus(item.Status).ToString())}{chunks}</td><td class="num">{item.Attempts}</td>
                <td class="num">{Number(item.Duration.TotalSeconds, "0.00")} s</td><td><code>{E(item.Silo ?? "—")}</code></td><td>{E(item.Implementations ?? (item.Reused ? "reused" : "—"))}</td><td>{error}</td></tr>
                """);
        }

        var more = shown.Count > MaxRows ? $"<p>The first {MaxRows} of {shown.Count} are shown; the items API lists them all.</p>" : string.Empty;
        return $"""
            <h2 id="items">Items</h2>
            <nav class="filters" aria-label="Filter items by status">{links}</nav>
            <table>
              <caption>Items{(filter is null ? string.Empty : $" that {filter.ToString()!.ToLowerInvariant()}")}</caption>
              <thead><tr><th scope="col">#</th><th scope="col">Input</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Time</th><th scope="col">Silo</th><th scope="col">Ran on</th><th scope="col">Error</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            {more}
            """;
    }

    // A job's page (not HTML-encoded).
    private static string JobPath(string id) => $"/jobs/{Uri.EscapeDataString(id)}";

    private static async Task<IResult> PreviewAsync(string id, int index, string side, IGrainFactory grains, ItemRunners runners, ILoggerFactory logs, CancellationToken ct)
    {
        var grain = grains.GetGrain<IJobGrain>(id);
        if (await grain.GetSpecAsync().ConfigureAwait(false) is not { } spec)
        {
            return JobNotFound(id);
        }

        var item = (await grain.GetItemsAsync().ConfigureAwait(false)).FirstOrDefault(i => i.Index == index);
        if (item is null || (side == "output" && item.Status != ItemStatus.Succeeded))
        {
            return Results.NotFound(new ApiError(item is null ? $"job {id} has no item {index}" : $"item {index} of job {id} has no result"));
        }

        try
        {
            using var image = await runners.ReadPreviewAsync(id, spec, side == "output" ? item.Output : item.Input, side == "output", 2 * ImagePreview.MaxSide, ct).ConfigureAwait(false);
            var png = await Task.Run(() => ImagePreview.RenderPng(image), ct).ConfigureAwait(false);
            return Results.File(png, "image/png");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogPreviewFailed(logs.CreateLogger(typeof(DashboardPages)), id, index, side, e.Message);
            return Results.Json(new ApiError($"no preview of item {index}'s {side}: {e.Message}"), statusCode: StatusCodes.Status422UnprocessableEntity);
        }
    }

    private static async Task<IResult> NodesAsync(IGrainFactory grains, ClusterSlots cluster)
    {
        var rows = new StringBuilder();
        foreach (var silo in cluster.Active().OrderBy(s => s.Silo.ToString(), StringComparer.Ordinal))
        {
            SiloLoad? load;
            RequestContext.Set(IPlacementDirector.PlacementHintKey, silo.Silo);
            try
            {
                load = await grains.GetGrain<IPipelineWorkerGrain>(silo.Silo.ToParsableString()).GetLoadAsync().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
            {
                load = null;
            }
            finally
            {
                RequestContext.Remove(IPlacementDirector.PlacementHintKey);
            }

            rows.Append($"""
                <tr><td><code>{E(silo.Silo)}</code></td><td>{E(string.Join(", ", silo.Capabilities.Prepend("wasm")))}</td>
                <td>{(load is null ? "unreachable" : $"{Progress(Math.Min(load.Running, silo.Slots), silo.Slots, $"Slots busy on {silo.Silo}")} {load.Running} of {silo.Slots}")}</td>
                <td class="num">{load?.ModulesCompiled.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}</td><td class="num">{load?.ModulesLoaded.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—"}</td>
                <td><code>{E(load?.CacheDirectory ?? "in memory")}</code></td></tr>
                """);
        }

        var main = $"""
            <h1>Nodes</h1>
            <section data-live="nodes">
            <table>
              <caption>Active silos</caption>
              <thead><tr><th scope="col">Silo</th><th scope="col">Capabilities</th><th scope="col">Slots busy</th><th scope="col">Modules compiled</th><th scope="col">Loaded from cache</th><th scope="col">Module cache</th></tr></thead>
              <tbody>{rows}</tbody>
            </table>
            </section>
            """;
        return Page("Nodes", "nodes", main);
    }

    // A browser sends Origin with every post; one from elsewhere is refused (the session cookie is SameSite=Strict
    // too). Programs that send no Origin use the bearer token.
    private static IResult CrossOrigin() => Results.Json(new ApiError("a form posted from another site is refused"), statusCode: StatusCodes.Status403Forbidden);

    private static IResult JobNotFound(string id) =>
        Page("No such job", "jobs", $"""<h1>No such job</h1><p>There is no job <code>{E(id)}</code>. <a href="/">All jobs</a></p>""", StatusCodes.Status404NotFound);

    private static IResult Asset(string name)
    {
        using var stream = typeof(DashboardPages).Assembly.GetManifestResourceStream($"ItkWasmCluster.Silo.Dashboard.Assets.{name}")
            ?? throw new InvalidOperationException($"the asset {name} is not embedded");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No preview of job {JobId}'s item {Index} ({Side}): {Reason}")]
    private static partial void LogPreviewFailed(ILogger logger, string jobId, int index, string side, string reason);
}
