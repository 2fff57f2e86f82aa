using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Silo;

/// <summary>Answers 503 with <c>Retry-After</c> when the cluster cannot serve a request for now (a silo being declared
/// dead, the cluster store unreachable: Orleans' errors and timeouts), so clients retry instead of seeing a server
/// error.</summary>
internal sealed class ClusterUnavailableMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsJsonAsync(new ApiError($"the cluster cannot serve this now: {e.Message}")).ConfigureAwait(false);
        }
    }
}
