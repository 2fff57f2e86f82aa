using System.Globalization;
using Microsoft.Playwright;
using SkiaSharp;

namespace ItkWasmCluster.Silo.Tests.Dashboard;

/// <summary>The job dashboard in a real browser (Playwright driving Debian's <c>chromium</c>) against a real silo
/// process: sign in, submit a job from the page, watch it reach 100%, read a failed item's stderr, see both previews,
/// cancel a job, open Orleans' dashboard behind the same sign-in. With <c>ITKWASM_SCREENSHOTS</c> set to a folder,
/// it saves the pages there (the README's screenshots).</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Browser")]
public sealed class DashboardBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task SignIn_Submit_Progress_Stderr_Previews_Cancel_AndOrleansDashboard()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package (.ci/run does)");
        using var store = StoreServer.Redis();
        using var silo = await SiloProcess.StartAsync(store, $"browser-{Guid.NewGuid():N}", concurrency: 2);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage"], // CI runs as root, in a container
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = silo.Url, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var shots = Environment.GetEnvironmentVariable("ITKWASM_SCREENSHOTS");

        // Signing in: the jobs page redirects to the sign-in form, which returns to it.
        await page.GotoAsync("/");
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
        await page.GetByLabel("Cluster token").FillAsync(SiloProcess.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Exact = true })).ToBeVisibleAsync();

        // A spec with a mistake is refused with the field named, and stays in the box.
        await page.GetByLabel("Job spec").FillAsync("name: broken\nstages: []\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("stages");
        await Assertions.Expect(page.GetByLabel("Job spec")).ToHaveValueAsync("name: broken\nstages: []\n");

        // A job of 6 good items (a CT head slice first, then random ones) and one the module refuses (float32), submitted
        // from the page.
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        Eventually.WriteRandomImages(input, 5, 24, digits: 1);
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(input, "a-cthead1.iwi.cbor"));
        ClusterFixture.WriteImageNegateRefuses(Path.Combine(input, "z-floats.iwi.cbor"));

        await page.GetByLabel("Job spec").FillAsync(Spec("browser-job", input, temp.Combine("out"), 300));
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/jobs/*");
        await Assertions.Expect(page.Locator("section[data-job] .pct")).ToHaveTextAsync("100%", new() { Timeout = 90_000 });
        await Assertions.Expect(page.Locator("#counts")).ToContainTextAsync("6 succeeded, 1 failed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("failed");
        Assert.Equal("7", await page.Locator("section[data-job] progress").GetAttributeAsync("value"));
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Time per stage" })).ToContainTextAsync("wasm × 6");
        if (shots is not null)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-job.png"), FullPage = true });
        }

        // The failed item's stderr, through the status filter.
        await page.GetByRole(AriaRole.Link, new() { Name = "Failed (1)" }).ClickAsync();
        var failedRows = page.GetByRole(AriaRole.Table, new() { Name = "Items that failed" }).Locator("tbody tr");
        await Assertions.Expect(failedRows).ToHaveCountAsync(1);
        await failedRows.Locator("summary").ClickAsync();
        await Assertions.Expect(failedRows.Locator("pre")).ToHaveTextAsync("negate: the input must be uint8\n");

        // Both previews render, and the result is the input negated (255 - v, by the module).
        var inputPng = await ImageOfAsync(page, "img[alt^='Input']");
        var outputPng = await ImageOfAsync(page, "img[alt^='Result']");
        using (var shown = SKBitmap.Decode(inputPng))
        using (var result = SKBitmap.Decode(outputPng))
        {
            Assert.Equal((shown.Width, shown.Height), (result.Width, result.Height));
            Assert.NotEqual(shown.GetPixel(shown.Width / 2, shown.Height / 2), result.GetPixel(result.Width / 2, result.Height / 2));
        }

        // Cancelling a slow job from its page.
        var slow = Directory.CreateDirectory(temp.Combine("slow")).FullName;
        Eventually.WriteRandomImages(slow, 40, 8, digits: 2);
        await page.GotoAsync("/");
        await page.GetByLabel("Job spec").FillAsync(Spec("slow-job", slow, temp.Combine("slow-out"), 2000));
        await page.GetByRole(AriaRole.Button, new() { Name = "Submit job", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/jobs/*");
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("running");
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel slow-job" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1 .badge")).ToHaveTextAsync("cancelled", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resubmit slow-job" })).ToBeVisibleAsync();

        // The jobs list shows both; the nodes page the silo and its slots.
        await page.GotoAsync("/");
        var jobs = page.GetByRole(AriaRole.Table, new() { Name = "Jobs, newest first" });
        await Assertions.Expect(jobs.Locator("tbody tr")).ToHaveCountAsync(2);
        await Assertions.Expect(jobs).ToContainTextAsync("cancelled");
        if (shots is not null)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-jobs.png"), FullPage = true });
        }

        await page.GetByRole(AriaRole.Link, new() { Name = "Nodes" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Active silos" }).Locator("tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Active silos" })).ToContainTextAsync("of 2");

        // Orleans' dashboard, behind the same sign-in.
        var orleans = await page.GotoAsync("/dashboard/");
        Assert.Equal(200, orleans!.Status);
        Assert.EndsWith("/dashboard/", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Orleans", new() { Timeout = 30_000 });
        if (shots is not null)
        {
            await page.WaitForTimeoutAsync(2000);
            await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "orleans-dashboard.png") });
        }

        // After signing out, the pages are closed again.
        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync("/nodes");
        Assert.Contains("/signin?return=%2Fnodes", page.Url, StringComparison.Ordinal);
    }

    // The bytes of a page's image, once the browser has loaded it.
    private static async Task<byte[]> ImageOfAsync(IPage page, string selector)
    {
        var image = page.Locator(selector);
        await Assertions.Expect(image).ToBeVisibleAsync();
        await image.EvaluateAsync("img => img.decode()");
        Assert.True(await image.EvaluateAsync<int>("img => img.naturalWidth") > 0, $"{selector} did not load");
        var response = await page.APIRequest.GetAsync((await image.GetAttributeAsync("src"))!);
        Assert.Equal(200, response.Status);
        Assert.Equal("image/png", response.Headers["content-type"]);
        return await response.BodyAsync();
    }

    private static string Spec(string name, string input, string output, int sleepMs) => $"""
        name: {name}
        input:
          location: {input}
        stages:
          - pipeline: {ClusterFixture.Module("negate")}
            args: [--sleep-ms, "{sleepMs.ToString(CultureInfo.InvariantCulture)}"]
        output:
          location: {output}
        retries: 0
        """;
}
