using ItkWasmCluster.Client;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Testing;

/// <summary>Helpers for the tests that run whole jobs; those tests share the "Cluster" collection and run one at a time.</summary>
public static class ClusterFixture
{
    public static string Module(string name) => Path.Combine(AppContext.BaseDirectory, "modules", name + ".wasi.wasm");

    /// <summary>Writes a 4×4 float32 image at <paramref name="path"/>: an item the negate module refuses (it takes
    /// uint8), so its attempts fail with the module's stderr.</summary>
    public static void WriteImageNegateRefuses(string path)
    {
        using var floats = new ItkWasm.Image(new ItkWasm.ImageType(2, ItkWasm.ComponentType.Float32, ItkWasm.PixelType.Scalar, 1)) { Size = [4, 4] };
        floats.Data.Dispose();
        floats.Data = ItkWasm.DataBuffer.Allocate(16 * sizeof(float));
        ItkWasm.IO.ImageFile.Write(floats, path);
    }

    public static JobSpec Downsample(string input, string output, params string[] include) => new()
    {
        Name = "test",
        Input = new DatasetSpec { Location = input, Include = include.Length > 0 ? include : ["**/*"] },
        Stages =
        [
            new StageSpec
            {
                Pipeline = "@itk-wasm/downsample:downsample",
                Args = ["--shrink-factors", "2", "2"],
                ArgsByDimension = new Dictionary<int, IReadOnlyList<string>> { [3] = ["--shrink-factors", "2", "2", "2"] },
            },
        ],
        Output = new OutputSpec { Location = output },
        Retries = 1,
    };

    public static ItkWasmClusterClient NewClient(int concurrency = 2) => new(new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = concurrency }));

    public static async Task<JobSummary> RunAsync(JobSpec spec, int concurrency = 2)
    {
        using var client = NewClient(concurrency);
        var job = await client.SubmitJobAsync(spec);
        return await job.WaitForCompletionAsync();
    }

    /// <summary>The output location's files other than the cluster's state and hidden files: what a user sees.</summary>
    public static string[] VisibleFiles(string root) => Directory.GetFiles(root, "*", SearchOption.AllDirectories)
        .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
        .Where(f => !f.Split('/').Any(p => p.StartsWith('.')))
        .Order(StringComparer.Ordinal)
        .ToArray();
}

