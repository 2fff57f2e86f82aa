using System.Net;
using System.Net.Http.Headers;

namespace ItkWasmCluster.Silo.Tests.Telemetry;

/// <summary>The silo's sign-in for browsers and its pages behind it (the job pages, Orleans' dashboard), on a real silo process:
/// nothing but the sign-in page and <c>/healthz</c> without the token or a session.</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Processes")]
public sealed class SignInTests : IAsyncLifetime, IDisposable
{
    private const string TokenCookie = "itkwasm_session";

    private StoreServer? store;
    private SiloProcess? silo;

    public async Task InitializeAsync()
    {
        store = StoreServer.Redis();
        silo = await SiloProcess.StartAsync(store, $"signin-{Guid.NewGuid():N}", concurrency: 1);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        silo?.Dispose();
        store?.Dispose();
    }

    [Fact]
    public async Task WithoutTheToken_PagesRedirectToSignIn_AndDataIsRefused()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(silo!.Url) };

        foreach (var path in new[] { "/", "/nodes", "/jobs/0123456789abcdef", "/jobs/0123456789abcdef/items/0/input.png", "/assets/dashboard.js", "/dashboard/", "/dashboard/DashboardCounters" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/signin?return=", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }

        foreach (var data in new[] { "/api/jobs", "/api/nodes", "/metrics" })
        {
            var response = await http.GetAsync(data);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain("itkwasm_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var form in new[] { "/jobs", "/jobs/0123456789abcdef/cancel", "/jobs/0123456789abcdef/resubmit" })
        {
            var response = await http.PostAsync(form, new FormUrlEncodedContent([new("spec", "name: x")]));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain("itkwasm_", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var page = await http.GetStringAsync("/signin?return=/dashboard/");
        Assert.Contains("<label for=\"token\">", page, StringComparison.Ordinal);
        var wrong = await SignInAsync(http, "not-the-token-0123456789", "/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        var offSite = await SignInAsync(http, SiloProcess.Token, "//example.org/");
        Assert.Equal("/", offSite.Headers.Location!.OriginalString); // only a path on this site
    }

    [Fact]
    public async Task SigningIn_SetsAnHttpOnlySession_ThatOpensTheDashboardAndTheApi_UntilSigningOut()
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = new Uri(silo!.Url) };

        var signedIn = await SignInAsync(http, SiloProcess.Token, "/dashboard/");

        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/dashboard/", signedIn.Headers.Location!.OriginalString);
        var setCookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var dashboard = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/nodes")).StatusCode);

        // A forged session (another key) is refused; the bearer header still works without a session.
        var forged = new CookieContainer();
        forged.Add(new Uri(silo.Url), new Cookie(TokenCookie, "1700000000.00ff"));
        using (var other = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = forged }) { BaseAddress = new Uri(silo.Url) })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/nodes")).StatusCode);
            other.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.Token);
            Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/nodes")).StatusCode);
        }

        // The job pages open with the session; a form posted from another site is refused even with it.
        Assert.Contains("<h1>Jobs</h1>", await http.GetStringAsync("/"), StringComparison.Ordinal);
        Assert.DoesNotContain("planted", await http.GetStringAsync("/?error=planted&spec=planted"), StringComparison.Ordinal); // messages come only from submissions
        using (var crossSite = new HttpRequestMessage(HttpMethod.Post, "/jobs") { Content = new FormUrlEncodedContent([new("spec", "name: x")]) })
        {
            crossSite.Headers.Add("Origin", "https://elsewhere.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(crossSite)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await http.PostAsync("/signout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/nodes")).StatusCode);
    }

    [Fact]
    public async Task WithOrleansDashboardOff_ItsPageSaysSo_AndTheJobPagesServe()
    {
        using var plain = await SiloProcess.StartAsync(store!, $"no-dashboard-{Guid.NewGuid():N}", 1, "--orleans-dashboard", "false");
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = new Uri(plain.Url) };
        await SignInAsync(http, SiloProcess.Token, "/");

        var off = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.NotFound, off.StatusCode);
        Assert.Contains("--orleans-dashboard false", await off.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard/DashboardCounters")).StatusCode);
        Assert.Contains("<h1>Jobs</h1>", await http.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probes_NeedNoToken_AndReadinessFollowsTheClusterStore_WhileLivenessStays()
    {
        using var own = StoreServer.Redis();
        using var probed = await SiloProcess.StartAsync(own, $"probes-{Guid.NewGuid():N}", 1);
        using var http = new HttpClient { BaseAddress = new Uri(probed.Url) };

        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/live")).StatusCode);
        Assert.Equal("ready", await http.GetStringAsync("/healthz/ready")); // it served only once it had joined

        own.Stop();
        var unready = string.Empty;
        await Eventually.UntilAsync(async () =>
        {
            var response = await http.GetAsync("/healthz/ready");
            unready = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.ServiceUnavailable;
        }, () => $"readiness to fail with the store down (last: {unready})", TimeSpan.FromSeconds(30));
        Assert.Equal("not ready: store-unreachable", unready); // a code, not the store's own error
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz/live")).StatusCode);

        own.Start();
        await Eventually.UntilAsync(async () => (await http.GetAsync("/healthz/ready")).StatusCode == HttpStatusCode.OK, "readiness to return with the store", TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task BrowserSessions_CannotBeRiddenFromAnotherSite_EndAtSignOut_AndPagesCarrySecurityHeaders()
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = new Uri(silo!.Url) };
        var origin = new Uri(silo.Url).GetLeftPart(UriPartial.Authority);

        // Open redirect: browsers drop the tab, which would make "//evil.example".
        Assert.Equal("/", (await SignInAsync(http, SiloProcess.Token, "/\t/evil.example")).Headers.Location!.OriginalString);
        Assert.Equal("/", (await SignInAsync(http, SiloProcess.Token, "/\\evil.example")).Headers.Location!.OriginalString);
        var session = cookies.GetCookies(new Uri(silo.Url))[TokenCookie]!.Value;

        // A cookie-carrying POST to the API: only from this site's own pages, and only as JSON.
        Assert.Equal(HttpStatusCode.Forbidden, (await Post("/api/jobs", "{}", "application/json", "https://evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Post("/api/jobs", "{}", "application/json", origin: null)).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Post("/api/jobs", "{}", "text/plain", origin)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post("/api/jobs", "{}", "application/json", origin)).StatusCode); // reaches the API
        Assert.Equal(HttpStatusCode.Forbidden, (await Post("/api/jobs/x/cancel", null, null, "https://evil.example")).StatusCode);

        // Headers on pages and data alike.
        var page = await http.GetAsync("/");
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", (await http.GetAsync("/api/nodes")).Headers.GetValues("X-Content-Type-Options").Single());

        // Behind a proxy that ends TLS, the session cookie is Secure.
        using (var proxied = new HttpRequestMessage(HttpMethod.Post, "/signin") { Content = new FormUrlEncodedContent([new("token", SiloProcess.Token), new("return", "/")]) })
        {
            proxied.Headers.Add("X-Forwarded-Proto", "https");
            using var plain = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(silo.Url) };
            Assert.Contains("secure", (await plain.SendAsync(proxied)).Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
        }

        // Sign-out ends the session: the cookie, kept and sent again, no longer works (on this silo, and within a
        // second on every other).
        using (var signOut = new HttpRequestMessage(HttpMethod.Post, "/signout"))
        {
            signOut.Headers.Add("Origin", origin);
            Assert.Equal(HttpStatusCode.Redirect, (await http.SendAsync(signOut)).StatusCode);
        }

        var replayed = new CookieContainer();
        replayed.Add(new Uri(silo.Url), new Cookie(TokenCookie, session));
        using var thief = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = replayed }) { BaseAddress = new Uri(silo.Url) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/nodes")).StatusCode);

        // Guessing the token: 10 tries a minute, then 429.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            statuses.Add((await SignInAsync(http, "not-the-token-0123456789", "/")).StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        async Task<HttpResponseMessage> Post(string path, string? body, string? type, string? origin)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path);
            if (body is not null)
            {
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, type!);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            return await http.SendAsync(request);
        }
    }

    private static Task<HttpResponseMessage> SignInAsync(HttpClient http, string token, string target) =>
        http.PostAsync("/signin", new FormUrlEncodedContent([new("token", token), new("return", target)]));
}
