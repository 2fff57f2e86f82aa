using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Silo;

/// <summary>Requires <c>Authorization: Bearer TOKEN</c> on every request except <c>/healthz</c>, compared in constant
/// time; anything else gets 401.</summary>
internal sealed class BearerTokenMiddleware(RequestDelegate next, SiloOptions options)
{
    private readonly byte[] expected = Encoding.UTF8.GetBytes("Bearer " + options.Token);

    public Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.Equals("/healthz", StringComparison.Ordinal)
            && !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString()), expected))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return context.Response.WriteAsJsonAsync(new ApiError("a valid bearer token is required"));
        }

        return next(context);
    }
}
