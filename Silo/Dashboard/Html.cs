using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ItkWasmCluster.Silo.Dashboard;

/// <summary>The dashboard's page frame and the small pieces of HTML its pages share. Every value put into a page goes
/// through <see cref="E"/>.</summary>
internal static class Html
{
    /// <summary>HTML-encodes a value.</summary>
    public static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);

    /// <summary>A whole page: the navigation, <paramref name="main"/>, the stylesheet and script (served by the silo).</summary>
    /// <param name="title">The page's title.</param>
    /// <param name="current">The navigation entry of this page (<c>jobs</c>, <c>nodes</c>).</param>
    /// <param name="main">The page's content.</param>
    /// <param name="status">The HTTP status.</param>
    public static IResult Page(string title, string current, string main, int status = StatusCodes.Status200OK)
    {
        string Nav(string href, string name, string label) =>
            $"""<a href="{href}"{(current == name ? " aria-current=\"page\"" : string.Empty)}>{label}</a>""";
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>{E(title)} · ItkWasmCluster</title>
              <link rel="stylesheet" href="/assets/dashboard.css">
              <script src="/assets/dashboard.js" defer></script>
            </head>
            <body>
              <a class="skip" href="#main">Skip to content</a>
              <header>
                <span class="brand">ItkWasmCluster</span>
                <nav aria-label="Sections">{Nav("/", "jobs", "Jobs")}{Nav("/nodes", "nodes", "Nodes")}<a href="/dashboard/">Orleans dashboard</a></nav>
                <form method="post" action="/signout"><button type="submit" class="link">Sign out</button></form>
              </header>
              <main id="main">
            {main}
              </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>A progress bar with its label: <paramref name="done"/> of <paramref name="total"/>.</summary>
    public static string Progress(int done, int total, string label) =>
        $"""<progress value="{done}" max="{Math.Max(total, 1)}" aria-label="{E(label)}">{Percent(done, total)}</progress> <span class="pct">{Percent(done, total)}</span>""";

    /// <summary>A share as a whole percentage ("0%" of nothing).</summary>
    public static string Percent(double part, double whole) =>
        (whole <= 0 ? 0 : Math.Floor(100 * part / whole)).ToString("0", CultureInfo.InvariantCulture) + "%";

    /// <summary>A rate with two significant decimals.</summary>
    public static string Number(double value, string format = "0.##") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A time span in the largest unit that keeps it readable (<c>42 s</c>, <c>3 min</c>, <c>2 h 5 min</c>).</summary>
    public static string Age(TimeSpan age) => age.TotalSeconds switch
    {
        < 1 => "now",
        < 90 => $"{age.TotalSeconds:0} s",
        < 5400 => $"{age.TotalMinutes:0} min",
        < 172800 => $"{(int)age.TotalHours} h {age.Minutes} min",
        _ => $"{(int)age.TotalDays} d",
    };

    /// <summary>A state's badge (its name, and a class for its colour).</summary>
    public static string Badge(string state) => $"""<span class="badge {E(state.ToLowerInvariant())}">{E(state.ToLowerInvariant())}</span>""";
}
