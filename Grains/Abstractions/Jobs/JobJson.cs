using System.Globalization;
using System.Text.Json.Nodes;

namespace ItkWasmCluster.Jobs;

/// <summary>
/// The JSON shapes of jobs and items in the HTTP API, its server-sent events and <c>job.json</c>: camelCase keys,
/// states and statuses as lowercase strings (<c>running</c>, <c>succeeded</c>, …), durations in milliseconds, times in
/// ISO 8601. The silo writes them and the SDK reads them back with the same code.
/// </summary>
public static class JobJson
{
    /// <summary>Returns the view of a job.</summary>
    public static JsonObject ToJson(JobStatus job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new()
        {
            ["id"] = job.Id,
            ["name"] = job.Name,
            ["state"] = Lower(job.State),
            ["counts"] = new JsonObject
            {
                ["total"] = job.Counts.Total,
                ["succeeded"] = job.Counts.Succeeded,
                ["failed"] = job.Counts.Failed,
                ["pending"] = job.Counts.Pending,
                ["running"] = job.Counts.Running,
            },
            ["created"] = job.Created.ToString("O", CultureInfo.InvariantCulture),
            ["finished"] = job.Finished?.ToString("O", CultureInfo.InvariantCulture),
            ["output"] = job.Output,
        };
    }

    /// <summary>Reads the view of a job.</summary>
    /// <exception cref="FormatException">A field is missing or malformed.</exception>
    public static JobStatus ToStatus(JsonNode view)
    {
        return Read(view, "a job view", () =>
        {
            var c = view["counts"]!;
            return new JobStatus(
                view["id"]!.GetValue<string>(), view["name"]!.GetValue<string>(), Enum.Parse<JobState>(view["state"]!.GetValue<string>(), ignoreCase: true),
                new JobCounts(c["total"]!.GetValue<int>(), c["pending"]!.GetValue<int>(), c["running"]!.GetValue<int>(), c["succeeded"]!.GetValue<int>(), c["failed"]!.GetValue<int>()),
                view["output"]!.GetValue<string>(),
                DateTimeOffset.Parse(view["created"]!.GetValue<string>(), CultureInfo.InvariantCulture),
                view["finished"] is { } finished ? DateTimeOffset.Parse(finished.GetValue<string>(), CultureInfo.InvariantCulture) : null);
        });
    }

    /// <summary>Returns the view of an item. A running item shows as pending (its attempt may not finish).</summary>
    public static JsonObject ToJson(ItemRecord item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var json = new JsonObject
        {
            ["index"] = item.Index,
            ["input"] = item.Input,
            ["output"] = item.Output,
            ["status"] = Lower(ShownStatus(item.Status)),
            ["attempts"] = item.Attempts,
            ["durationMs"] = Math.Round(item.Duration.TotalMilliseconds, 1),
            ["reused"] = item.Reused,
        };
        Optional(json, "silo", item.Silo);
        if (item.Implementations is { } implementations)
        {
            json["implementation"] = new JsonArray(implementations.Split(',').Select(i => (JsonNode?)i).ToArray());
        }

        if (item.StageSeconds is { } seconds)
        {
            json["stageSeconds"] = new JsonArray(ItemRecord.ParseStageSeconds(seconds).Select(s => (JsonNode?)s).ToArray());
        }

        Chunks(json, item.ChunksDone, item.ChunksTotal);
        Optional(json, "error", item.Error);
        Optional(json, "stderr", item.Stderr is { Length: > 0 } ? item.Stderr : null);
        return json;
    }

    // An item that runs by chunks shows them: "chunks": { "done": N, "total": M }.
    private static void Chunks(JsonObject json, int done, int total)
    {
        if (total > 0)
        {
            json["chunks"] = new JsonObject { ["done"] = done, ["total"] = total };
        }
    }

    /// <summary>The status an item's view shows: an attempt in flight shows as <see cref="ItemStatus.Pending"/>
    /// (it may yet be handed back and run again); the others as they are.</summary>
    public static ItemStatus ShownStatus(ItemStatus status) => status == ItemStatus.Running ? ItemStatus.Pending : status;

    /// <summary>Reads the view of an item.</summary>
    /// <exception cref="FormatException">A field is missing or malformed.</exception>
    public static ItemRecord ToItem(JsonNode view)
    {
        return Read(view, "an item view", () => new ItemRecord
        {
            Index = view["index"]!.GetValue<int>(),
            Input = view["input"]!.GetValue<string>(),
            Output = view["output"]!.GetValue<string>(),
            Version = string.Empty,
            Status = Enum.Parse<ItemStatus>(view["status"]!.GetValue<string>(), ignoreCase: true),
            Attempts = view["attempts"]!.GetValue<int>(),
            Duration = TimeSpan.FromMilliseconds(view["durationMs"]!.GetValue<double>()),
            Reused = view["reused"]!.GetValue<bool>(),
            Silo = view["silo"]?.GetValue<string>(),
            Implementations = view["implementation"] is JsonArray implementations ? string.Join(',', implementations.Select(i => i!.GetValue<string>())) : null,
            StageSeconds = view["stageSeconds"] is JsonArray seconds ? ItemRecord.FormatStageSeconds(seconds.Select(s => TimeSpan.FromSeconds(s!.GetValue<double>()))) : null,
            Error = view["error"]?.GetValue<string>(),
            Stderr = view["stderr"]?.GetValue<string>(),
            ChunksDone = view["chunks"]?["done"]?.GetValue<int>() ?? 0,
            ChunksTotal = view["chunks"]?["total"]?.GetValue<int>() ?? 0,
        });
    }

    /// <summary>Returns the view of an item event.</summary>
    public static JsonObject ToJson(ItemEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var json = new JsonObject
        {
            ["index"] = e.Index,
            ["input"] = e.Input,
            ["output"] = e.Output,
            ["status"] = Lower(e.Status),
            ["attempt"] = e.Attempt,
            ["durationMs"] = Math.Round(e.Duration.TotalMilliseconds, 1),
            ["reused"] = e.Reused,
        };
        Optional(json, "silo", e.Silo);
        Optional(json, "error", e.Error);
        Chunks(json, e.ChunksDone, e.ChunksTotal);
        return json;
    }

    /// <summary>Reads the view of an item event.</summary>
    /// <exception cref="FormatException">A field is missing or malformed.</exception>
    public static ItemEvent ToEvent(JsonNode view)
    {
        return Read(view, "an item event", () => new ItemEvent(
                view["index"]!.GetValue<int>(), view["input"]!.GetValue<string>(), view["output"]!.GetValue<string>(),
                Enum.Parse<ItemStatus>(view["status"]!.GetValue<string>(), ignoreCase: true), view["attempt"]!.GetValue<int>(),
                TimeSpan.FromMilliseconds(view["durationMs"]!.GetValue<double>()), view["error"]?.GetValue<string>(),
                view["reused"]!.GetValue<bool>(), view["silo"]?.GetValue<string>(),
                view["chunks"]?["done"]?.GetValue<int>() ?? 0, view["chunks"]?["total"]?.GetValue<int>() ?? 0));
    }

    // Reads a view; a missing or mistyped field is a FormatException naming what the view should have been.
    private static T Read<T>(JsonNode view, string what, Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(view);
        try
        {
            return read();
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"not {what}: {view.ToJsonString()}", e);
        }
    }

    private static string Lower<T>(T value)
        where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static void Optional(JsonObject json, string key, string? value)
    {
        if (value is not null)
        {
            json[key] = value;
        }
    }
}
