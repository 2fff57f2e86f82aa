namespace ItkWasmCluster.Testing;

/// <summary>Locates the real test data in ../shared/data beside the repository (or $ITKWASM_SHARED_DATA).</summary>
public static class SharedData
{
    private static readonly Lazy<string> Root = new(() =>
    {
        if (Environment.GetEnvironmentVariable("ITKWASM_SHARED_DATA") is { Length: > 0 } overridden)
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ItkWasmCluster.sln")))
            {
                return System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared", "data"));
            }
        }

        throw new DirectoryNotFoundException("ItkWasmCluster.sln not found above the test binaries.");
    });

    /// <summary>Returns the full path of <paramref name="relative"/> under shared/data.</summary>
    public static string Path(string relative) => System.IO.Path.Combine(Root.Value, relative);
}
