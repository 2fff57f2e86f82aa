using System.Diagnostics;
using System.Text.Json;

namespace ItkWasmCluster.Testing;

/// <summary>Runs Oracle/oracle.mjs: ITK-Wasm's npm packages called directly in Node, as the tests' reference.</summary>
public static class Oracle
{
    /// <summary>Runs <paramref name="jobs"/> (see oracle.mjs for their shapes) and fails the test if Node fails.</summary>
    public static void Run(params object[] jobs)
    {
        var file = Path.Combine(Path.GetTempPath(), $"oracle-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, JsonSerializer.Serialize(jobs));
        try
        {
            var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Oracle", "oracle.mjs"));
            start.ArgumentList.Add(file);
            using var node = Process.Start(start)!;
            var stderr = node.StandardError.ReadToEndAsync();
            node.StandardOutput.ReadToEnd();
            node.WaitForExit();
            Assert.True(node.ExitCode == 0, $"the oracle failed: {stderr.Result}");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
