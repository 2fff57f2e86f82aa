using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ItkWasmCluster.Testing;

/// <summary>A real Prometheus server (Debian's <c>/usr/bin/prometheus</c>) that scrapes silos' <c>/metrics</c> every
/// second with their bearer token.</summary>
public sealed class PrometheusServer : IDisposable
{
    private readonly Process process;
    private readonly HttpClient http;

    private PrometheusServer(Process process, string url)
    {
        this.process = process;
        http = new HttpClient { BaseAddress = new Uri(url) };
    }

    /// <summary>Starts one with its data in <paramref name="folder"/>, scraping <paramref name="siloUrls"/>.</summary>
    public static PrometheusServer Start(string folder, IEnumerable<string> siloUrls, string token)
    {
        Directory.CreateDirectory(folder);
        var targets = string.Join(", ", siloUrls.Select(u => $"\"{new Uri(u).Authority}\""));
        var config = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: silo
                metrics_path: /metrics
                authorization:
                  type: Bearer
                  credentials: {token}
                static_configs:
                  - targets: [{targets}]
            """);
        var url = $"http://127.0.0.1:{Ports.Free()}";
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(folder, "data")}", $"--web.listen-address={new Uri(url).Authority}" },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusServer(process, url);
    }

    /// <summary>Runs an instant query; returns its first sample's value, or null (no sample, or not up yet).</summary>
    public async Task<double?> QueryAsync(string query)
    {
        try
        {
            var answer = await http.GetFromJsonAsync<JsonObject>($"/api/v1/query?query={Uri.EscapeDataString(query)}");
            var result = answer?["data"]?["result"]?.AsArray();
            return result is { Count: > 0 } ? double.Parse(result[0]!["value"]![1]!.GetValue<string>(), CultureInfo.InvariantCulture) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
        http.Dispose();
    }
}
