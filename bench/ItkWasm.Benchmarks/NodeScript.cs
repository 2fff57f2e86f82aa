using System.Diagnostics;

namespace ItkWasm.Benchmarks;

/// <summary>Runs the Node.js peers in bench/node and reads what they print.</summary>
public static class NodeScript
{
    /// <summary>Runs <c>bench/node/SCRIPT</c> with <paramref name="args"/> and returns its standard output.</summary>
    /// <exception cref="InvalidOperationException">The script failed.</exception>
    public static string Run(string root, string script, params string[] args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(root, "bench", "node", script));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        return node.ExitCode == 0 ? output : throw new InvalidOperationException($"bench/node/{script} failed with exit code {node.ExitCode}");
    }

    /// <summary>Returns the version of the <c>node</c> on PATH.</summary>
    public static string Version()
    {
        using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
        return node.StandardOutput.ReadToEnd().Trim();
    }
}
