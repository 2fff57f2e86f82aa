using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ItkWasmCluster.Silo.Tests.Hosting;

/// <summary>A silo in "Kubernetes mode": the variables a pod's manifest sets (k8s/base), Orleans' Kubernetes hosting
/// on, and a stand-in Kubernetes API (found through <c>KUBECONFIG</c>) that holds the silo's first read of its pod.
/// The silo labels its pod with the service and cluster ids, lists the cluster's pods by them, is named after its pod,
/// and is not ready until it has joined the cluster.</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Processes")]
public sealed class KubernetesModeTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task ASiloInAPod_LabelsItsPod_TakesItsName_AndIsReadyOnlyOnceItJoined()
    {
        const string Pod = "itkwasm-silo-6f7c9d-x2k4q";
        var clusterId = $"k8s-{Guid.NewGuid():N}";
        await using var api = await FakeKubernetesApi.StartAsync(Pod);
        var kubeconfig = temp.Combine("kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, $$"""
            apiVersion: v1
            kind: Config
            clusters: [{ name: fake, cluster: { server: "{{api.Url}}" } }]
            users: [{ name: fake, user: { token: not-checked } }]
            contexts: [{ name: fake, context: { cluster: fake, user: fake, namespace: itkwasm } }]
            current-context: fake
            """);
        using var store = StoreServer.Redis();
        using var silo = SiloProcess.Launch(store, clusterId, new Dictionary<string, string>
        {
            ["ITKWASM_SILO_KUBERNETES"] = "true",
            ["ITKWASM_SILO_CLUSTER_CERTIFICATE"] = TestCertificates.Create(temp.Combine("cluster.pfx")),
            ["KUBECONFIG"] = kubeconfig,
            ["POD_NAME"] = Pod,
            ["POD_NAMESPACE"] = "itkwasm",
            ["POD_IP"] = "127.0.0.1",
            ["ORLEANS_SERVICE_ID"] = "itkwasm",
            ["ORLEANS_CLUSTER_ID"] = clusterId,
        });

        // The silo stops at its first read of its pod: it has not joined, so it is not ready (nothing answers yet, or 503).
        await api.PodRead.WaitAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 10; i++)
        {
            Assert.NotEqual(HttpStatusCode.OK, await ReadinessAsync(http));
            await Task.Delay(200);
        }

        api.Release();
        await silo.Serving.WaitAsync(TimeSpan.FromSeconds(60));
        await Eventually.UntilAsync(async () => await ReadinessAsync(http) == HttpStatusCode.OK, "the silo to be ready once it joined", TimeSpan.FromSeconds(30));

        // What Orleans' Kubernetes hosting did: labelled the pod, listed the cluster's pods by those labels.
        var labels = Assert.Single(api.Patches)["metadata"]!["labels"]!;
        Assert.Equal(("itkwasm", clusterId), (labels["orleans/serviceId"]!.GetValue<string>(), labels["orleans/clusterId"]!.GetValue<string>()));
        Assert.Contains($"orleans/serviceId=itkwasm,orleans/clusterId={clusterId}", api.Selectors);

        // The silo is named after its pod.
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.Token);
        var nodes = JsonNode.Parse(await http.GetStringAsync("/api/nodes"))!.AsArray();
        Assert.Equal(Pod, Assert.Single(nodes)!["name"]!.GetValue<string>());
    }

    private static async Task<HttpStatusCode?> ReadinessAsync(HttpClient http)
    {
        try
        {
            return (await http.GetAsync("/healthz/ready")).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The few Kubernetes API calls Orleans' Kubernetes hosting makes, for one pod: read it (held until
    /// <see cref="Release"/>), patch it (recorded), list pods by label selector (recorded), watch (held open).</summary>
    private sealed class FakeKubernetesApi : IAsyncDisposable
    {
        private readonly WebApplication app;
        private readonly TaskCompletionSource podRead = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly JsonObject labels = [];

        private FakeKubernetesApi(WebApplication app, string url) => (this.app, Url) = (app, url);

        public string Url { get; }

        public Task PodRead => podRead.Task;

        public ConcurrentQueue<JsonNode> Patches { get; } = new();

        public ConcurrentQueue<string> Selectors { get; } = new();

        public static async Task<FakeKubernetesApi> StartAsync(string pod)
        {
            var url = $"http://127.0.0.1:{Ports.Free()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(url);
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var api = new FakeKubernetesApi(app, url);
            app.MapGet("/api/v1/namespaces/{ns}/pods/{name}", async (string ns, string name) =>
            {
                api.podRead.TrySetResult();
                await api.released.Task;
                return name == pod ? Results.Json(api.Pod(ns, name)) : Results.NotFound();
            });
            app.MapMethods("/api/v1/namespaces/{ns}/pods/{name}", ["PATCH"], async (string ns, string name, HttpRequest request) =>
            {
                var patch = (await JsonNode.ParseAsync(request.Body))!;
                api.Patches.Enqueue(patch);
                foreach (var (key, value) in patch["metadata"]!["labels"]!.AsObject())
                {
                    api.labels[key] = value!.GetValue<string>();
                }

                return Results.Json(api.Pod(ns, name));
            });
            app.MapGet("/api/v1/namespaces/{ns}/pods", async (string ns, string? labelSelector, bool? watch, HttpContext context) =>
            {
                api.Selectors.Enqueue(labelSelector ?? string.Empty);
                if (watch == true)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                    return Results.Empty;
                }

                return Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject(), ["items"] = new JsonArray(api.Pod(ns, pod)) });
            });
            await app.StartAsync();
            return api;
        }

        public void Release() => released.TrySetResult();

        public async ValueTask DisposeAsync()
        {
            Release();
            await app.StopAsync();
            await app.DisposeAsync();
        }

        private JsonObject Pod(string ns, string name) => new()
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["labels"] = labels.DeepClone() },
            ["status"] = new JsonObject { ["phase"] = "Running", ["podIP"] = "127.0.0.1" },
        };
    }
}
