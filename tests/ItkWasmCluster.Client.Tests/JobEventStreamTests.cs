using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Client.Tests;

/// <summary>The SDK's progress stream against a server whose event stream breaks: it reopens the stream and carries on,
/// and gives up once the stream has broken more times in a row, with no event between, than its retry budget.</summary>
public sealed class JobEventStreamTests : IAsyncDisposable
{
    private readonly WebApplication server;
    private readonly Uri endpoint;
    private int connections;

    /// <summary>One signal per connection, set once the client has read that connection's event: the server breaks a
    /// stream only after it, since a reset can discard data the client's socket holds but has not yet read.</summary>
    private readonly TaskCompletionSource[] read = [.. Enumerable.Range(0, 16).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];

    public JobEventStreamTests()
    {
        endpoint = new Uri($"http://127.0.0.1:{Ports.Free()}");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(endpoint.ToString());
        server = builder.Build();
        server.MapGet("/api/jobs/j1/events", async context =>
        {
            var connection = Interlocked.Increment(ref connections);
            context.Response.ContentType = "text/event-stream";
            if (!Silent)
            {
                await context.Response.WriteAsync($"event: progress\ndata: {View(connection, "running")}\n\n");
            }

            await context.Response.Body.FlushAsync();
            if (connection < BreakUntil)
            {
                if (!Silent)
                {
                    await read[connection].Task.WaitAsync(TimeSpan.FromSeconds(30)); // the client has the event
                }

                context.Abort(); // the silo went away mid-stream
                return;
            }

            await context.Response.WriteAsync($"event: end\ndata: {View(connection, "succeeded")}\n\n");
        });
        server.StartAsync().GetAwaiter().GetResult();
    }

    private int BreakUntil { get; set; }

    /// <summary>Gets or sets whether the stream breaks before sending any event.</summary>
    private bool Silent { get; set; }

    [Fact]
    public async Task WatchAsync_ReopensABrokenStream_AndEndsWithTheJob()
    {
        BreakUntil = 3;
        using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = endpoint, MaxRetries = 3 });
        var seen = new List<int>();
        await foreach (var progress in (await client.GetJobAsync("j1")).WatchAsync())
        {
            seen.Add(progress.Counts.Succeeded);
            read[progress.Counts.Succeeded].TrySetResult();
        }

        Assert.Equal(3, connections);
        Assert.Equal([1, 2, 3, 3], seen);
    }

    [Fact]
    public async Task WatchAsync_GivesUpAfterItsRetries()
    {
        (BreakUntil, Silent) = (int.MaxValue, true);
        using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = endpoint, MaxRetries = 2 });
        var seen = 0;
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await foreach (var _ in (await client.GetJobAsync("j1")).WatchAsync())
            {
                seen++;
            }
        });
        Assert.True(error is IOException or HttpRequestException, error.ToString());
        Assert.True(connections >= 3, $"{connections} connections"); // a reset before the headers is retried as well
        Assert.Equal(0, seen);
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    /// <summary>A job view whose succeeded count is the connection number, so the test sees which stream each event
    /// came from.</summary>
    private static string View(int succeeded, string state) =>
        $$"""{"id":"j1","name":"n","state":"{{state}}","counts":{"total":9,"succeeded":{{succeeded}},"failed":0,"pending":0,"running":0},"created":"2026-11-21T00:00:00Z","finished":null,"output":"/o"}""";
}
