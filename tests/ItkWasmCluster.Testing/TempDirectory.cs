namespace ItkWasmCluster.Testing;

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(FullName);

    public string FullName { get; } = Path.Combine(Path.GetTempPath(), "itkwasm-tests-" + Guid.NewGuid().ToString("N"));

    public string Combine(string name) => Path.Combine(FullName, name);

    public void Dispose()
    {
        if (Directory.Exists(FullName))
        {
            Directory.Delete(FullName, recursive: true);
        }
    }
}
