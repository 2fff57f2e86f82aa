namespace ItkWasm.Runtime.Node;

/// <summary>Finds the <c>node_modules</c> folder that holds ITK-Wasm's npm packages.</summary>
internal static class NodeModulesLocator
{
    /// <summary>Returns <c>$ITKWASM_NODE_MODULES</c>, else the nearest <c>node_modules</c> containing <c>itk-wasm</c>
    /// above the application's folder or the current directory, else null.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("ITKWASM_NODE_MODULES") is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "node_modules");
                if (File.Exists(Path.Combine(candidate, "itk-wasm", "package.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
