using ItkWasmCluster.Grains;
using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Silo;

/// <summary>Answers 503 with <c>Retry-After</c> while the job store is unreachable (PostgreSQL restarting), so clients
/// retry instead of seeing a server error.</summary>
internal sealed class StoreOutageMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception e) when (StoreErrors.IsTransient(e) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            await context.Response.WriteAsJsonAsync(new ApiError($"the job store is unreachable: {e.Message}")).ConfigureAwait(false);
        }
    }
}
