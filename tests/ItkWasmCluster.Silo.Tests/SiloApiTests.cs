using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Silo.Tests;

/// <summary>A silo's HTTP API and the CLI's remote commands, against one real silo process on Redis.</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Processes")]
public sealed class SiloApiTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new();
    private StoreServer? store;
    private SiloProcess? silo;

    public async Task InitializeAsync()
    {
        store = StoreServer.Redis();
        silo = await SiloProcess.StartAsync(store, $"api-{Guid.NewGuid():N}", concurrency: 2);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        silo?.Dispose();
        store?.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task Api_RequiresTheToken_AndAnswersBadInputWithItsStatusCode()
    {
        var spec = Spec(items: 2);
        using var http = new HttpClient { BaseAddress = new Uri(silo!.Url) };

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
        var jobs = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync("/api/jobs"))!.AsArray();
        Assert.Equal(ids[0], Assert.Single(jobs)!["id"]!.GetValue<string>());
        using var reused = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = Json(JobSpecParser.ToJson(spec with { Name = "other" }).ToJsonString()) };
        reused.Headers.Add("Idempotency-Key", "key-1");
        Assert.Equal(HttpStatusCode.Conflict, (await http.SendAsync(reused)).StatusCode);
    }

    [Fact]
    public async Task Cli_SubmitWatchStatusCancel_AgainstASilo()
    {
        var spec = Spec(items: 6);
        var cluster = new[] { "--cluster", silo!.Url, "--token", SiloProcess.Token };

        var submit = await CliAsync(["submit", .. cluster, "--input", spec.Input.Location, "--output", spec.Output.Location, "--pipeline", spec.Stages[0].Pipeline, "--", .. spec.Stages[0].Args]);
        Assert.Equal(0, submit.Code);
        var id = submit.Stdout.Trim().Split('\n')[^1];
        var watch = await CliAsync(["watch", id, .. cluster]);
        Assert.True(watch.Code == 0, watch.Stdout + watch.Stderr);
        Assert.Contains("[6/6] 6 succeeded", watch.Stdout, StringComparison.Ordinal);
        var status = await CliAsync(["status", id, .. cluster]);
        Assert.Equal("succeeded", System.Text.Json.Nodes.JsonNode.Parse(status.Stdout)!["state"]!.GetValue<string>());
        Assert.Equal(7, ClusterFixture.VisibleFiles(spec.Output.Location).Length); // 6 results and job.json

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
        var unauthorized = await CliAsync(["status", id, "--cluster", silo!.Url, "--token", "wrong-token-0123456789"]);
        Assert.Equal(1, unauthorized.Code);
        Assert.DoesNotContain("   at ", unauthorized.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_RefusesWhatTheSiloDoesNotServe_NamingTheSettingThatWouldAllowIt()
    {
        var spec = Spec(items: 1);
        var escape = temp.Combine("escape");
        Directory.CreateSymbolicLink(escape, "/etc");
        var outsideModule = temp.Combine("module.wasi.wasm");
        File.Copy(ClusterFixture.Module("negate"), outsideModule);
        using var http = new HttpClient { BaseAddress = new Uri(silo!.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.Token);
        var refused = new (JobSpec Spec, string Field, string Setting)[]
        {
            (spec with { Input = spec.Input with { Location = "/etc" } }, "input.location", "--data-root"),
            (spec with { Input = spec.Input with { Location = Path.GetTempPath() + "../etc" } }, "input.location", "--data-root"),
            (spec with { Input = spec.Input with { Location = "%2Fetc" } }, "input.location", "relative path"),
            (spec with { Input = spec.Input with { Location = escape } }, "input.location", "--data-root"),
            (spec with { Output = spec.Output with { Location = "/var/tmp/itkwasm-out" } }, "output.location", "--data-root"),
            (spec with { Output = spec.Output with { Location = "az://other/results/" } }, "output.location", "--blob-container"),
            (spec with { Output = spec.Output with { Location = "az://other/a/%2e%2e/b/" } }, "output.location", "'..'"),
            (spec with { Stages = [new StageSpec { Pipeline = outsideModule }] }, "stages[0].pipeline", "--module-root"),
        };
        foreach (var (bad, field, setting) in refused)
        {
            var response = await http.PostAsync("/api/jobs", Json(JobSpecParser.ToJson(bad).ToJsonString()));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{field}: {response.StatusCode} {body}");
            Assert.Contains(field, body, StringComparison.Ordinal);
            Assert.Contains(setting, body, StringComparison.Ordinal);
        }

        var allowed = await http.PostAsync("/api/jobs", Json(JobSpecParser.ToJson(spec).ToJsonString()));
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<(int Code, string Stdout, string Stderr)> CliAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Cli.CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private JobSpec Spec(int items)
    {
        var input = Directory.CreateDirectory(temp.Combine($"in-{Guid.NewGuid():N}")).FullName;
        for (var i = 0; i < items; i++)
        {
            File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(input, $"item{i}.iwi.cbor"));
        }

        return new JobSpec
        {
            Name = "api",
            Input = new DatasetSpec { Location = input },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate") }],
            Output = new OutputSpec { Location = temp.Combine($"out-{Guid.NewGuid():N}") },
        };
    }
}
