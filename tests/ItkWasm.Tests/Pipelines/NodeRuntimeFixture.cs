using ItkWasm.Runtime.Node;

namespace ItkWasm.Tests.Pipelines;

/// <summary>One <see cref="NodeWasmRuntime"/> shared by the tests of the "NodeRuntime" collection, which run one at
/// a time so that tests killing executors do not disturb each other.</summary>
public sealed class NodeRuntimeFixture : IDisposable
{
    public NodeWasmRuntime Runtime { get; } = new(new NodeWasmRuntimeOptions { MaxConcurrency = 2 });

    /// <summary>The process ids of this test host's executor processes.</summary>
    public static int[] ExecutorProcesses() => Directory.GetDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1)
        .Where(pid => pid > 0 && ParentOf(pid) == Environment.ProcessId && CommandLine(pid).Contains("itkwasm-executor.mjs", StringComparison.Ordinal))
        .ToArray();

    public void Dispose() => Runtime.Dispose();

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}

[CollectionDefinition("NodeRuntime")]
public sealed class NodeRuntimeCollection : ICollectionFixture<NodeRuntimeFixture>;
