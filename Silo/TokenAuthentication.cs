using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ItkWasmCluster.Silo;

/// <summary>
/// The silo's one credential, its token, in two forms. Programs send <c>Authorization: Bearer TOKEN</c>. Browsers sign in
/// once at <c>/signin</c> with the token and get a session cookie (<see cref="CookieName"/>: HTTP-only, SameSite=Strict,
/// Secure over HTTPS, 12 hours), an issue time signed with HMAC-SHA256 keyed by the token, which every silo of the
/// cluster accepts and none stores. Everything but the health probes (<c>/healthz</c>, <c>/healthz/live</c>,
/// <c>/healthz/ready</c>) and the sign-in page needs one or the other; the
/// bearer header and the cookie are compared in constant time. Without either, pages a browser asks for (<c>/</c>,
/// <c>/dashboard</c>) redirect to the sign-in page, and the rest (<c>/api/</c>, <c>/metrics</c>) get 401 with a JSON
/// error: never data.
/// </summary>
internal sealed class TokenAuthentication(RequestDelegate next, ItkWasmSiloOptions options, SessionEpoch sessions, TimeProvider time)
{
    /// <summary>The rate-limiter policy of <c>POST /signin</c>: 10 tries a minute per client address.</summary>
    public const string SignInPolicy = "signin";

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "itkwasm_session";

    private static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(12);
    private readonly byte[] expected = Encoding.UTF8.GetBytes("Bearer " + options.Token);
    private readonly byte[] key = Encoding.UTF8.GetBytes(options.Token!);

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/healthz") || path.Equals("/signin", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        switch (await AuthenticateAsync(context.Request))
        {
            case Credential.Bearer:
                await next(context);
                return;
            case Credential.Session when path.StartsWithSegments("/api") && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method):
                // A browser's cookie rides along with any request to this site, a sibling site's included: only this
                // site's own pages may change anything, and only with JSON (a cross-site form cannot send it).
                if (!SameOrigin(context.Request, required: true))
                {
                    await Refuse(context, StatusCodes.Status403Forbidden, "a request from another site is refused; programs send the bearer token");
                    return;
                }

                var hasBody = context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0;
                if (hasBody && !context.Request.HasJsonContentType())
                {
                    await Refuse(context, StatusCodes.Status415UnsupportedMediaType, "the body must be application/json");
                    return;
                }

                await next(context);
                return;
            case Credential.Session:
                await next(context);
                return;
        }

        if (HttpMethods.IsGet(context.Request.Method) && !path.StartsWithSegments("/api") && !path.StartsWithSegments("/metrics"))
        {
            context.Response.Redirect($"/signin?return={Uri.EscapeDataString(path + context.Request.QueryString)}");
            return;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        await Refuse(context, StatusCodes.Status401Unauthorized, "a valid bearer token or sign-in is required");
    }

    private enum Credential
    {
        None,
        Bearer,
        Session,
    }

    /// <summary>Gets whether a request comes from this site's own pages: its <c>Origin</c> names this host. Without an
    /// <c>Origin</c> header (programs, old browsers) it counts as same-origin unless <paramref name="required"/>.</summary>
    public static bool SameOrigin(HttpRequest request, bool required = false) =>
        request.Headers.Origin.ToString() is not { Length: > 0 } origin
            ? !required || request.Headers["Sec-Fetch-Site"].ToString() == "same-origin"
            : Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);

    private static Task Refuse(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ApiError(message));
    }

    /// <summary>Maps the sign-in page (<c>GET</c> and <c>POST /signin</c>, rate-limited by <see cref="SignInPolicy"/>)
    /// and <c>POST /signout</c>, which ends every browser session signed in until now, on every silo.</summary>
    public static void Map(WebApplication app, ItkWasmSiloOptions options)
    {
        var key = Encoding.UTF8.GetBytes(options.Token!);
        app.MapGet("/signin", (string? @return) => Page(Local(@return), failed: false));
        app.MapPost("/signin", async (HttpContext context, TimeProvider time) =>
        {
            var form = await context.Request.ReadFormAsync();
            var target = Local(form["return"]);
            var token = Encoding.UTF8.GetBytes(form["token"].ToString());
            if (!CryptographicOperations.FixedTimeEquals(token, key))
            {
                return Page(target, failed: true);
            }

            context.Response.Cookies.Append(CookieName, Session(key, time.GetUtcNow()), new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                // Behind a proxy that ends TLS the silo sees plain HTTP; the proxy's X-Forwarded-Proto says https.
                Secure = context.Request.IsHttps || string.Equals(context.Request.Headers["X-Forwarded-Proto"].ToString(), "https", StringComparison.OrdinalIgnoreCase),
                Path = "/",
                MaxAge = SessionLifetime,
            });
            return Results.Redirect(target);
        }).DisableAntiforgery().RequireRateLimiting(SignInPolicy);
        app.MapPost("/signout", async (HttpContext context, SessionEpoch sessions, TimeProvider time) =>
        {
            if (!SameOrigin(context.Request))
            {
                return Results.Json(new ApiError("a sign-out from another site is refused"), statusCode: StatusCodes.Status403Forbidden);
            }

            // Ends this session and every other one issued until now: the cookie alone, if copied, no longer works.
            await sessions.SignOutAsync(time.GetUtcNow()).ConfigureAwait(false);
            context.Response.Cookies.Delete(CookieName);
            return Results.Redirect("/signin");
        });
    }

    /// <summary>Adds the sign-out epoch (<see cref="SessionEpoch"/>) and the rate limiter of <c>POST /signin</c>
    /// (<see cref="SignInPolicy"/>): 10 tries a minute per client address, then 429.</summary>
    public static void AddSessions(IServiceCollection services) => services.AddSingleton<SessionEpoch>().AddRateLimiter(limiter =>
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.AddPolicy(SignInPolicy, context => RateLimitPartition.GetFixedWindowLimiter(
            context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    });

    private async Task<Credential> AuthenticateAsync(HttpRequest request)
    {
        if (request.Headers.Authorization.Count > 0)
        {
            return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString()), expected) ? Credential.Bearer : Credential.None;
        }

        if (request.Cookies[CookieName] is not { } cookie || cookie.Split('.') is not [var issued, _]
            || !long.TryParse(issued, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return Credential.None;
        }

        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Min(seconds, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        var now = time.GetUtcNow();
        var valid = now - at < SessionLifetime && at <= now.AddMinutes(5)
                    && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(cookie), Encoding.ASCII.GetBytes(Session(key, at)));
        return valid && at >= await sessions.GetAsync().ConfigureAwait(false) ? Credential.Session : Credential.None;
    }

    // "SECONDS.HMAC": the issue time, and its HMAC-SHA256 under the token.
    private static string Session(byte[] key, DateTimeOffset issued)
    {
        var seconds = issued.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{seconds}.{Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes("itkwasm-session/1 " + seconds)))}";
    }

    // Only a path on this site is a place to return to: browsers drop tabs and line breaks from URLs and read '\' as
    // '/', so "/\t/evil.example" would leave the site; any control character, space or backslash sends to "/".
    private static string Local(string? target) =>
        target is { Length: > 0 } && target.StartsWith('/') && !target.StartsWith("//", StringComparison.Ordinal)
        && !target.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\') ? target : "/";

    private static IResult Page(string target, bool failed) => Results.Content($$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Sign in · ItkWasmCluster</title>
          <style>
            body { font-family: system-ui, sans-serif; display: grid; place-items: center; min-height: 100vh; margin: 0; background: #f4f5f7; color: #1b1f24; }
            form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); width: min(24rem, 90vw); }
            label { display: block; font-weight: 600; margin-bottom: .5rem; }
            input[type=password] { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #8a939e; border-radius: 4px; }
            button { margin-top: 1rem; padding: .6rem 1.2rem; font-size: 1rem; border: 0; border-radius: 4px; background: #0b5cad; color: #fff; cursor: pointer; }
            button:focus-visible, input:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
            .error { color: #a4161a; margin: 0 0 1rem; }
          </style>
        </head>
        <body>
          <main>
            <form method="post" action="/signin">
              <h1>ItkWasmCluster</h1>
              {{(failed ? "<p class=\"error\" role=\"alert\">That token is not this cluster's.</p>" : string.Empty)}}
              <label for="token">Cluster token</label>
              <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
              <input type="hidden" name="return" value="{{WebUtility.HtmlEncode(target)}}">
              <button type="submit">Sign in</button>
            </form>
          </main>
        </body>
        </html>
        """, "text/html; charset=utf-8", Encoding.UTF8, failed ? StatusCodes.Status401Unauthorized : StatusCodes.Status200OK);
}
