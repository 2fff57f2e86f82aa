using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace ItkWasmCluster.Testing;

/// <summary>A pipeline policy that records every request the blob clients send (after retries, so each try counts),
/// and can fail a share of them with 503: before sending (the service never saw it) or after (the service did the work
/// and the answer was lost).</summary>
public sealed class RequestLog : HttpPipelinePolicy
{
    private readonly ConcurrentQueue<(string Method, string Path, string Query, int Status)> requests = new();
    private int count;

    /// <summary>Gets or sets every how many requests one is failed before it is sent; 0 for none.</summary>
    public int FailBeforeEvery { get; set; }

    /// <summary>Gets or sets every how many requests one has its answer replaced by a 503 after the service did it; 0 for none.</summary>
    public int FailAfterEvery { get; set; }

    /// <summary>Gets how many 503s were injected.</summary>
    public int Injected => injected;

    private int injected;

    public IReadOnlyList<(string Method, string Path, string Query, int Status)> Requests => requests.ToArray();

    public void Clear() => requests.Clear();

    /// <summary>Lists the requests, a line each, for failure messages.</summary>
    public string Describe() => string.Join('\n', Requests.Select(r => $"{r.Method} {r.Path}{r.Query} -> {r.Status}"));

    /// <summary>Counts the requests for blob content: GETs without a <c>comp</c> or <c>restype</c> query (not listings,
    /// not properties) whose path ends with <paramref name="suffix"/>.</summary>
    public int Downloads(string suffix = "") => Requests.Count(r => r.Method == "GET" && !r.Query.Contains("comp=", StringComparison.Ordinal) && !r.Query.Contains("restype=", StringComparison.Ordinal) && r.Path.EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>Counts the requests that wrote blob content: successful PUTs of a blob, a block or a block list (not of
    /// a container, nor of a blob's properties; a create refused with 409 wrote nothing).</summary>
    public int Uploads(string suffix = "") => Requests.Count(r => r.Method == "PUT" && r.Status < 300 && !r.Query.Contains("restype=container", StringComparison.Ordinal)
        && !r.Query.Contains("comp=properties", StringComparison.Ordinal) && r.Path.EndsWith(suffix, StringComparison.Ordinal));

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var n = Interlocked.Increment(ref count);
        var uri = message.Request.Uri.ToUri();
        if (FailBeforeEvery > 0 && n % FailBeforeEvery == 0)
        {
            Interlocked.Increment(ref injected);
            message.Response = new FakeResponse(503, message.Request.ClientRequestId);
        }
        else
        {
            await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
            if (FailAfterEvery > 0 && n % FailAfterEvery == 0)
            {
                Interlocked.Increment(ref injected);
                message.Response.Dispose();
                message.Response = new FakeResponse(503, message.Request.ClientRequestId);
            }
        }

        requests.Enqueue((message.Request.Method.Method, uri.AbsolutePath, uri.Query, message.Response.Status));
    }

    /// <summary>A bodiless response with a status, as a proxy answering "Service Unavailable" would send.</summary>
    private sealed class FakeResponse(int status, string requestId) : Response
    {
        public override int Status => status;

        public override string ReasonPhrase => "Service Unavailable (injected by the test)";

        // The transport would have classified it so; the retry policy retries only error responses.
        public override bool IsError => true;

        public override Stream? ContentStream { get; set; } = new MemoryStream();

        public override string ClientRequestId { get; set; } = requestId;

        public override void Dispose()
        {
        }

        protected override bool ContainsHeader(string name) => false;

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => [];

        protected override bool TryGetHeader(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
        {
            value = null;
            return false;
        }

        protected override bool TryGetHeaderValues(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IEnumerable<string>? values)
        {
            values = null;
            return false;
        }
    }
}
