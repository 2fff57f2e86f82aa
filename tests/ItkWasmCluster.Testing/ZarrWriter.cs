using System.Diagnostics;
using System.Text.Json;

namespace ItkWasmCluster.Testing;

/// <summary>Writes and reads test OME-Zarr images with independent code (tests/Zarr/write.mjs and read.mjs: zarrita
/// and numcodecs in Node); what write.mjs writes is checked by zarrita reading it back.</summary>
public static class ZarrWriter
{
    /// <summary>Writes the image <paramref name="spec"/> describes (see write.mjs) at <paramref name="root"/>.</summary>
    /// <returns>The values zarrita reads from it: C order, little-endian.</returns>
    public static byte[] Write(string root, object spec)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "tests", "Zarr", "write.mjs"));
        start.ArgumentList.Add(root);
        start.ArgumentList.Add(JsonSerializer.Serialize(spec));
        using var node = Process.Start(start)!;
        var stderr = node.StandardError.ReadToEndAsync();
        node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"write.mjs failed: {stderr.Result}");
        var raw = root + ".raw";
        var values = File.ReadAllBytes(raw);
        File.Delete(raw);
        return values;
    }

    /// <summary>Reads the array <paramref name="path"/> (level 0 by default) of the OME-Zarr image at
    /// <paramref name="root"/> with zarrita (tests/Zarr/read.mjs).</summary>
    /// <returns>The array's shape and data type, the root group's attributes, and its values (C order, little-endian).</returns>
    public static (JsonElement Array, byte[] Values) Read(string root, string path = "0")
    {
        var start = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "tests", "Zarr", "read.mjs"));
        start.ArgumentList.Add(root);
        start.ArgumentList.Add(path);
        using var node = Process.Start(start)!;
        var stderr = node.StandardError.ReadToEndAsync();
        var stdout = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, $"read.mjs failed: {stderr.Result}");
        var raw = root + ".read.raw";
        var values = File.ReadAllBytes(raw);
        File.Delete(raw);
        return (JsonDocument.Parse(stdout).RootElement.Clone(), values);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ItkWasmCluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("ItkWasmCluster.sln not found above the test binaries.");
    }
}
