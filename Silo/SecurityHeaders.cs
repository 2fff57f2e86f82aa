using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Silo;

/// <summary>
/// Headers every response carries: <c>X-Content-Type-Options: nosniff</c> (a preview or an error is never run as
/// script), <c>Referrer-Policy: same-origin</c>, and a Content Security Policy: this site's own scripts only, images
/// from this site or <c>data:</c>, never framed (<c>frame-ancestors 'none'</c>, with <c>X-Frame-Options: DENY</c> for
/// older browsers), forms posted only here. Orleans' dashboard (<c>/dashboard</c>) gets the framing and sniffing
/// headers but not the script policy, which it was not written for.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "same-origin"; // not no-referrer: with it, browsers send "Origin: null" on the pages' own form posts
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/dashboard") ? "frame-ancestors 'none'" : Policy;
        return next(context);
    }
}
