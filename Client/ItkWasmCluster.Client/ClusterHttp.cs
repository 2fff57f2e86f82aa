using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.Retry;

namespace ItkWasmCluster.Client;

/// <summary>The HTTP calls to a remote cluster's API, retried on transient failures.</summary>
internal sealed class ClusterHttp : IDisposable
{
    private readonly HttpClient http;
    private readonly ResiliencePipeline retry;

    public ClusterHttp(Uri endpoint, string? token, int maxRetries)
    {
        MaxRetries = Math.Max(1, maxRetries);
        http = new HttpClient { BaseAddress = endpoint, Timeout = Timeout.InfiniteTimeSpan };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        retry = new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>()
                .Handle<ItkWasmClusterException>(e => e.Status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout),
            MaxRetryAttempts = MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromMilliseconds(200),
        }).Build();
    }

    /// <summary>Gets how many times a transient failure is retried.</summary>
    public int MaxRetries { get; }

    public Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        retry.ExecuteAsync(async ct =>
        {
            using var request = new HttpRequestMessage(method, path);
            if (body is not null)
            {
                request.Content = JsonContent.Create(body);
            }

            if (idempotencyKey is not null)
            {
                request.Headers.Add("Idempotency-Key", idempotencyKey);
            }

            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            await ThrowIfFailedAsync(response, ct).ConfigureAwait(false);
            return (await response.Content.ReadFromJsonAsync<JsonNode>(ct).ConfigureAwait(false))!;
        }, cancellationToken).AsTask();

    /// <summary>Opens the server-sent event stream at <paramref name="path"/>; the caller disposes the response.</summary>
    public Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(async ct =>
        {
            var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            try
            {
                await ThrowIfFailedAsync(response, ct).ConfigureAwait(false);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }, cancellationToken).AsTask();

    public void Dispose() => http.Dispose();

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string message;
        string? field = null;
        try
        {
            var error = await response.Content.ReadFromJsonAsync<JsonNode>(ct).ConfigureAwait(false);
            message = error?["error"]?.GetValue<string>() ?? response.ReasonPhrase ?? "request failed";
            field = error?["field"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            message = response.StatusCode == HttpStatusCode.Unauthorized ? "the cluster refused the token" : response.ReasonPhrase ?? "request failed";
        }

        throw new ItkWasmClusterException(response.StatusCode, message, field);
    }
}
