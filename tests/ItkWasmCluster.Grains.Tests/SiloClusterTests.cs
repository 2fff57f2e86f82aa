using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Tests;
using ItkWasmCluster.Client;
using ItkWasmCluster.Jobs;
using Npgsql;
using Xunit.Abstractions;

namespace ItkWasmCluster.Grains.Tests;

/// <summary>Silos as real processes on a private PostgreSQL server: killed, paused past their lease, and the database
/// restarted under them, with every output present exactly once and identical to an undisturbed run's.</summary>
[Collection("Cluster")]
public sealed class SiloClusterTests(ITestOutputHelper log) : IDisposable
{
    private const int Lease = 5;
    private readonly PostgresServer postgres = new();
    private readonly TempDirectory temp = new();
    private readonly List<SiloProcess> silos = [];

    public void Dispose()
    {
        foreach (var silo in silos)
        {
            silo.Dispose();
        }

        postgres.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task ThreeSilos_OneKilledMidJob_EveryOutputExactlyOnce_AndItsTasksReclaimedWithinLeasePlus10s()
    {
        var (spec, expected) = await PrepareAsync(items: 200, sleepMs: 150);
        await StartSilosAsync(3, Lease);
        using var client = Remote(silos[0]);
        var job = await client.SubmitJobAsync(spec);
        await WaitUntilAsync(async () => (await client.GetStatusAsync(job.Id)).Counts.Succeeded >= 40, "40 items done");

        // Kill a silo (not the one the client talks to) while it holds tasks.
        var (victim, held) = await StopWhileHoldingAsync(job.Id, silos[1], silos[2]);
        victim.Signal("KILL");
        var killed = Stopwatch.StartNew();
        await WaitUntilAsync(async () => (await OwnedAsync(job.Id, victim)).Intersect(held).Any() == false, "the killed silo's tasks re-claimed", TimeSpan.FromSeconds(Lease + 30));
        var reclaimed = killed.Elapsed;
        log.WriteLine($"{held.Length} tasks of the killed silo re-claimed {reclaimed.TotalSeconds:F1} s after SIGKILL (lease {Lease} s)");

        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(JobState.Succeeded, summary.State);
        Assert.True(reclaimed <= TimeSpan.FromSeconds(Lease + 10), $"re-claimed after {reclaimed}");
        await AssertExactlyOnceAsync(job.Id, spec, expected);
        // The re-claimed tasks were run again by another silo: a second attempt each.
        var attempts = await ScalarsAsync($"SELECT attempts FROM tasks WHERE job_id = '{job.Id}' AND idx = ANY(@held)", held.ToArray());
        Assert.All(attempts, a => Assert.True(a >= 2));
    }

    [Fact]
    public async Task SiloStoppedPastItsLease_ThenResumed_WritesNoDuplicate()
    {
        var (spec, expected) = await PrepareAsync(items: 16, sleepMs: 1500);
        await StartSilosAsync(2, leaseSeconds: 2);
        var (paused, other) = (silos[0], silos[1]);
        using var client = Remote(other);
        var job = await client.SubmitJobAsync(spec);
        var (_, held) = await StopWhileHoldingAsync(job.Id, paused);
        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(JobState.Succeeded, summary.State);
        var before = Snapshot(spec.Output.Location);

        // Resumed, the paused silo finishes its pipelines, finds its leases gone, and abandons the attempts.
        paused.Signal("CONT");
        var abandoned = Stopwatch.StartNew();
        while (!held.All(i => paused.Output.Contains($"item{i:D3}.iwi.cbor attempt", StringComparison.Ordinal)) && abandoned.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        await Task.Delay(500);
        Assert.Equal(before, Snapshot(spec.Output.Location));
        Assert.True(abandoned.Elapsed < TimeSpan.FromSeconds(20), $"the resumed silo did not report its abandoned attempts: {paused.Output}");
        await AssertExactlyOnceAsync(job.Id, spec, expected);
    }

    [Fact]
    public async Task PostgresRestartedMidJob_SilosBackOff_AndTheJobCompletes()
    {
        var (spec, expected) = await PrepareAsync(items: 60, sleepMs: 200);
        await StartSilosAsync(2, Lease);
        using var client = Remote(silos[0]);
        var job = await client.SubmitJobAsync(spec);
        await WaitUntilAsync(async () => (await client.GetStatusAsync(job.Id)).Counts.Succeeded >= 10, "10 items done");
        postgres.Stop();
        await Task.Delay(TimeSpan.FromSeconds(3));
        postgres.Start();

        var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(JobState.Succeeded, summary.State);
        await AssertExactlyOnceAsync(job.Id, spec, expected);
        Assert.All(silos, s => Assert.False(s.Output.Contains("Unhandled exception", StringComparison.Ordinal), s.Output));
    }

    [Fact]
    public async Task Api_RequiresTheToken_AndAnswersBadInputWithItsStatusCode()
    {
        var (spec, _) = await PrepareAsync(items: 2, sleepMs: 0);
        await StartSilosAsync(1, Lease);
        using var http = new HttpClient { BaseAddress = new Uri(silos[0].Url) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsync("/api/jobs", Json(JobSpecParser.ToJson(spec).ToJsonString()))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-token-0123456789");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/nodes")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.Token);

        var invalid = await http.PostAsync("/api/jobs", Json("""{"name": "x", "input": {"location": "/tmp"}, "output": {"location": "/tmp/o"}, "stages": []}"""));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("stages", await invalid.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsync("/api/jobs", Json("{not json"))).StatusCode);
        // Expect: 100-continue lets the silo refuse the body before it is sent; otherwise the refusal can race the
        // upload and the client sees a broken pipe instead of the 413.
        using var hugeRequest = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = Json($$"""{"name": "{{new string('x', 2 << 20)}}"}""") };
        hugeRequest.Headers.ExpectContinue = true;
        var huge = await http.SendAsync(hugeRequest);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/jobs/nope")).StatusCode);

        // The same submission twice under one idempotency key: one job. The key reused for another spec: 409.
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = Json(JobSpecParser.ToJson(spec).ToJsonString()) };
            request.Headers.Add("Idempotency-Key", "key-1");
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            ids.Add(System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<string>());
        }

        Assert.Single(ids.Distinct());
        Assert.Single(await ScalarsAsync("SELECT count(*)::int FROM jobs"));
        Assert.Equal(1, (await ScalarsAsync("SELECT count(*)::int FROM jobs"))[0]);
        using var reused = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = Json(JobSpecParser.ToJson(spec with { Name = "other" }).ToJsonString()) };
        reused.Headers.Add("Idempotency-Key", "key-1");
        Assert.Equal(HttpStatusCode.Conflict, (await http.SendAsync(reused)).StatusCode);
    }

    [Fact]
    public async Task Cli_SubmitWatchStatusCancel_AgainstASilo()
    {
        var (spec, expected) = await PrepareAsync(items: 6, sleepMs: 0);
        await StartSilosAsync(1, Lease);
        var cluster = new[] { "--cluster", silos[0].Url, "--token", SiloProcess.Token };

        var submit = await CliAsync(["submit", .. cluster, "--input", spec.Input.Location, "--output", spec.Output.Location, "--pipeline", spec.Stages[0].Pipeline, "--", .. spec.Stages[0].Args]);
        Assert.Equal(0, submit.Code);
        var id = submit.Stdout.Trim().Split('\n')[^1];
        var watch = await CliAsync(["watch", id, .. cluster]);
        Assert.True(watch.Code == 0, watch.Stdout + watch.Stderr);
        Assert.Contains("[6/6] 6 succeeded", watch.Stdout, StringComparison.Ordinal);
        var status = await CliAsync(["status", id, .. cluster]);
        Assert.Equal("succeeded", System.Text.Json.Nodes.JsonNode.Parse(status.Stdout)!["state"]!.GetValue<string>());
        await AssertExactlyOnceAsync(id, spec, expected);

        // A job with an unreadable item: watch exits 1.
        await File.WriteAllTextAsync(Path.Combine(spec.Input.Location, "broken.iwi.cbor"), "not cbor");
        var failing = await CliAsync(["submit", .. cluster, "--input", spec.Input.Location, "--output", temp.Combine("out2"), "--pipeline", spec.Stages[0].Pipeline, "--retries", "0", "--", .. spec.Stages[0].Args]);
        var failed = await CliAsync(["watch", failing.Stdout.Trim().Split('\n')[^1], .. cluster]);
        Assert.True(failed.Code == 1, failed.Stdout + failed.Stderr);
        Assert.Contains("failed", failed.Stdout, StringComparison.Ordinal);

        var cancel = await CliAsync(["cancel", id, .. cluster]);
        Assert.Equal(0, cancel.Code);
        var missing = await CliAsync(["status", "nope", .. cluster]);
        Assert.Equal(1, missing.Code);
        Assert.Contains("no job nope", missing.Stderr, StringComparison.Ordinal);
        var unauthorized = await CliAsync(["status", id, "--cluster", silos[0].Url, "--token", "wrong-token-0123456789"]);
        Assert.Equal(1, unauthorized.Code);
        Assert.DoesNotContain("   at ", unauthorized.Stderr, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static ItkWasmClusterClient Remote(SiloProcess silo) =>
        new(new ItkWasmClusterClientOptions { Endpoint = new Uri(silo.Url), Token = SiloProcess.Token });

    private static async Task<(int Code, string Stdout, string Stderr)> CliAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (within ?? TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The path and last-write time of every file under <paramref name="root"/>: a rewrite changes it.</summary>
    private static string[] Snapshot(string root) => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => $"{Path.GetRelativePath(root, f)} {File.GetLastWriteTimeUtc(f).Ticks}").Order(StringComparer.Ordinal).ToArray();

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Writes distinct uint8 images, and the outputs an undisturbed embedded run makes of them.</summary>
    private async Task<(JobSpec Spec, Dictionary<string, string> Expected)> PrepareAsync(int items, int sleepMs)
    {
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        for (var i = 0; i < items; i++)
        {
            using var image = new Image(new ImageType()) { Size = [32, 32], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] };
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            new Random(i).NextBytes(image.Data.AsSpan());
            ImageFile.Write(image, Path.Combine(input, $"item{i:D3}.iwi.cbor"));
        }

        JobSpec Spec(string output, params string[] args) => new()
        {
            Name = "silos",
            Input = new DatasetSpec { Location = input },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = args }],
            Output = new OutputSpec { Location = output },
            Retries = 1,
        };

        var reference = await ClusterFixture.RunAsync(Spec(temp.Combine("reference")));
        Assert.True(reference.State == JobState.Succeeded, string.Join("\n", reference.Tasks.Select(t => t.Error + t.Stderr)));
        var expected = Directory.GetFiles(temp.Combine("reference"), "*.iwi.cbor").ToDictionary(f => Path.GetFileName(f), Hash, StringComparer.Ordinal);
        Assert.Equal(items, expected.Count);
        return (Spec(temp.Combine("out"), sleepMs > 0 ? ["--sleep-ms", sleepMs.ToString(System.Globalization.CultureInfo.InvariantCulture)] : []), expected);
    }

    private async Task StartSilosAsync(int count, int leaseSeconds)
    {
        var starting = Enumerable.Range(0, count).Select(_ => SiloProcess.StartAsync(postgres.ConnectionString, concurrency: 2, leaseSeconds)).ToArray();
        silos.AddRange(await Task.WhenAll(starting));
    }

    /// <summary>Stops (SIGSTOP) one of <paramref name="candidates"/> while it holds running tasks; returns it and the
    /// tasks it still owns once frozen (one finishing just as it stopped is not held).</summary>
    private async Task<(SiloProcess Silo, int[] Held)> StopWhileHoldingAsync(string jobId, params SiloProcess[] candidates)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var (silo, _) = await WaitForHolderAsync(jobId, candidates);
            silo.Signal("STOP");
            await Task.Delay(300);
            if (await OwnedAsync(jobId, silo) is { Length: > 0 } held)
            {
                return (silo, held);
            }

            silo.Signal("CONT");
        }

        throw new TimeoutException("no silo could be stopped while it held a task");
    }

    /// <summary>Waits until one of <paramref name="candidates"/> holds running tasks; returns it and their indexes.</summary>
    private async Task<(SiloProcess Silo, int[] Held)> WaitForHolderAsync(string jobId, params SiloProcess[] candidates)
    {
        for (var deadline = Stopwatch.StartNew(); deadline.Elapsed < TimeSpan.FromMinutes(1); await Task.Delay(20))
        {
            foreach (var silo in candidates)
            {
                if (await OwnedAsync(jobId, silo) is { Length: > 0 } held)
                {
                    return (silo, held);
                }
            }
        }

        throw new TimeoutException("no silo held a task");
    }

    private async Task<int[]> OwnedAsync(string jobId, SiloProcess silo) =>
        await ScalarsAsync($"SELECT idx FROM tasks WHERE job_id = '{jobId}' AND state = 'Running' AND owner = '{silo.NodeId}'");

    private async Task<int[]> ScalarsAsync(string sql, int[]? held = null)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (held is not null)
        {
            command.Parameters.AddWithValue("held", held);
        }

        var values = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetInt32(0));
        }

        return values.ToArray();
    }

    /// <summary>Every input has exactly one task, succeeded, and exactly one output, identical to the reference; nothing
    /// else sits in the output location.</summary>
    private async Task AssertExactlyOnceAsync(string jobId, JobSpec spec, Dictionary<string, string> expected)
    {
        using var client = Remote(silos[0]);
        var items = await client.GetJob(jobId).GetResultsAsync();
        Assert.Equal(expected.Count, items.Count);
        Assert.Equal(expected.Count, items.Select(t => t.Input).Distinct().Count());
        Assert.All(items, t => Assert.Equal(TaskState.Succeeded, t.State));
        var outputs = ClusterFixture.VisibleFiles(spec.Output.Location).Where(f => f != "job.json").ToArray();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), outputs);
        Assert.All(outputs, f => Assert.Equal(expected[f], Hash(Path.Combine(spec.Output.Location, f))));
        Assert.Empty(Directory.GetFiles(spec.Output.Location, "*.tmp*", SearchOption.AllDirectories));
    }
}
