using System.Diagnostics;

namespace ItkWasmCluster.Cli.Tests;

/// <summary>kill -9 of the whole process at random moments: afterwards every output exists exactly once, whole, and
/// nothing else sits at a final name.</summary>
[Collection("Cluster")]
[Trait("Category", "Processes")]
public class CrashTests
{
    [Fact]
    public async Task KillNine_AtRandomMoments_ThenRerun_LeavesEveryOutputExactlyOnceAndWhole()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        var sources = new[] { "itk-wasm/cthead1.png", "itk-wasm/Gourds.png", "itk-wasm/test.fdf", "itk-wasm/tooth.nrrd" };
        for (var i = 0; i < 24; i++)
        {
            var source = sources[i % sources.Length];
            File.Copy(SharedData.Path(source), Path.Combine(input, $"item{i:D2}{Path.GetExtension(source)}"));
        }

        var reference = await ClusterFixture.RunAsync(ClusterFixture.Downsample(input, temp.Combine("reference")));
        Assert.Equal(ItkWasmCluster.Jobs.JobState.Succeeded, reference.State);
        var expected = ClusterFixture.VisibleFiles(temp.Combine("reference"));
        var jobFile = temp.Combine("job.yaml");
        await File.WriteAllTextAsync(jobFile, $$"""
            name: crash
            input: { location: {{input}} }
            stages:
              - pipeline: "@itk-wasm/downsample:downsample"
                args: [--shrink-factors, "2", "2"]
                argsByDimension: { 3: [--shrink-factors, "2", "2", "2"] }
            output: { location: {{temp.Combine("out")}} }
            """);

        await KillAtRandomMomentsThenRunAsync(temp, jobFile, expected, new Random(20261121), 300, 3000);
    }

    [Fact]
    public async Task KillNine_WhileChunkedItemsRunAndAssemble_ThenRerun_LeavesOneResultEqualToTheUnchunkedOne()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        var random = new Random(20261207);
        WriteVolumes(input, 3, ItkWasm.ComponentType.UInt8, [192, 160, 64], random);

        var whole = ClusterFixture.Downsample(input, temp.Combine("reference")) with { Chunking = ItkWasmCluster.Jobs.ChunkingSpec.Off };
        var reference = await ClusterFixture.RunAsync(whole);
        Assert.Equal(ItkWasmCluster.Jobs.JobState.Succeeded, reference.State);
        var expected = ClusterFixture.VisibleFiles(temp.Combine("reference"));
        var jobFile = temp.Combine("job.yaml");
        await File.WriteAllTextAsync(jobFile, $$"""
            name: crash-chunked
            input: { location: {{input}} }
            stages:
              - pipeline: "@itk-wasm/downsample:downsample"
                argsByDimension: { 3: [--shrink-factors, "2", "2", "2"] }
            output: { location: {{temp.Combine("out")}} }
            chunking: { size: [192, 160, 8] }
            """);

        await KillAtRandomMomentsThenRunAsync(temp, jobFile, expected, random, 500, 4000);
        var report = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("out/job.json")))!;
        Assert.All(report["items"]!.AsArray(), i => Assert.Equal(8, i!["chunks"]!["total"]!.GetValue<int>()));
        // No result's assembly is left (a kill mid-write may leave the cluster state's own temporaries under .itkwasm-cluster/).
        Assert.Empty(Directory.GetFiles(temp.Combine("out"), ".volume*.tmp"));
    }

    [Fact]
    public async Task KillNine_WhileAPyramidIsWritten_ThenRerun_LeavesACompleteStore_AndNeverAHalfWrittenOne()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        var random = new Random(20261208);
        WriteVolumes(input, 4, ItkWasm.ComponentType.UInt16, [160, 128, 48], random);

        string Job(string output) => $$"""
            name: crash-pyramid
            input: { location: {{input}} }
            stages:
              - multiscales: { levels: 3, method: itkwasm_gaussian }
            output: { location: {{output}}, format: .ome.zarr, ngff: "0.5", chunks: [32, 32, 16], compressor: blosc-zstd }
            """;
        var reference = ClusterFixture.RunAsync(ItkWasmCluster.Jobs.JobSpecParser.Parse(Job(temp.Combine("reference")), yaml: true));
        Assert.Equal(ItkWasmCluster.Jobs.JobState.Succeeded, (await reference).State);
        var jobFile = temp.Combine("job.yaml");
        await File.WriteAllTextAsync(jobFile, Job(temp.Combine("out")));

        for (var round = 0; round < 5; round++)
        {
            using var cli = Start(jobFile);
            await Task.Delay(random.Next(500, 5000));
            cli.Kill();
            await cli.WaitForExitAsync();
            await AssertPyramidsAsync(temp, complete: false); // what a reader sees as an image is the whole one
        }

        using var final = Start(jobFile);
        var stdout = await final.StandardOutput.ReadToEndAsync();
        await final.WaitForExitAsync();
        Assert.True(final.ExitCode == 0, stdout + await final.StandardError.ReadToEndAsync());
        await AssertPyramidsAsync(temp, complete: true);
    }

    // volume0.iwi.cbor ... of random pixels, spacing 0.8 × 0.8 × 1.5.
    private static void WriteVolumes(string folder, int count, ItkWasm.ComponentType type, long[] size, Random random)
    {
        for (var i = 0; i < count; i++)
        {
            using var volume = new ItkWasm.Image(new ItkWasm.ImageType(3, type)) { Size = size, Spacing = [0.8, 0.8, 1.5] };
            volume.Data.Dispose();
            volume.Data = ItkWasm.DataBuffer.Allocate(volume.ByteLength);
            random.NextBytes(volume.Data.AsSpan());
            ItkWasm.IO.ImageFile.Write(volume, Path.Combine(folder, $"volume{i}.iwi.cbor"));
        }
    }

    // Every pyramid in out/ that has its metadata (all of them when complete) reads as the reference's, level by level.
    private static async Task AssertPyramidsAsync(TempDirectory temp, bool complete)
    {
        for (var i = 0; i < 4; i++)
        {
            var root = temp.Combine($"out/volume{i}.ome.zarr");
            if (!complete && !File.Exists(Path.Combine(root, "zarr.json")))
            {
                continue; // no image there (yet)
            }

            for (var level = 0; level < 4; level++)
            {
                using var expected = await (await ItkWasm.Zarr.OmeZarrImage.OpenAsync(new ItkWasm.Zarr.ZarrFolderStore(temp.Combine($"reference/volume{i}.ome.zarr")), level)).ReadAsync();
                using var read = await (await ItkWasm.Zarr.OmeZarrImage.OpenAsync(new ItkWasm.Zarr.ZarrFolderStore(root), level)).ReadAsync();
                Assert.Equal(expected.Size, read.Size);
                Assert.True(expected.Data.ContentEquals(read.Data), $"volume{i} level {level} differs from the reference");
            }
        }
    }

    // Five runs killed (SIGKILL) after minMs to maxMs, each leaving only whole, correct outputs; then a run to the end,
    // which succeeds and leaves every output.
    private static async Task KillAtRandomMomentsThenRunAsync(TempDirectory temp, string jobFile, string[] expected, Random random, int minMs, int maxMs)
    {
        for (var round = 0; round < 5; round++)
        {
            using var cli = Start(jobFile);
            await Task.Delay(random.Next(minMs, maxMs));
            cli.Kill();
            await cli.WaitForExitAsync();
            AssertWholeAndIdentical(temp, expected, partial: true);
        }

        using var final = Start(jobFile);
        var stdout = await final.StandardOutput.ReadToEndAsync();
        await final.WaitForExitAsync();
        var report = temp.Combine("out/job.json");
        Assert.True(final.ExitCode == 0, stdout + await final.StandardError.ReadToEndAsync() + (File.Exists(report) ? await File.ReadAllTextAsync(report) : string.Empty));
        AssertWholeAndIdentical(temp, expected, partial: false);
    }

    private static Process Start(string jobFile)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "itkwasm-cluster.dll"));
        start.ArgumentList.Add("run");
        start.ArgumentList.Add(jobFile);
        return Process.Start(start)!;
    }

    private static void AssertWholeAndIdentical(TempDirectory temp, string[] expected, bool partial)
    {
        // A process killed before it got as far as the output (a busy machine) leaves none.
        var present = partial && !Directory.Exists(temp.Combine("out")) ? [] : ClusterFixture.VisibleFiles(temp.Combine("out"));
        Assert.All(present, f => Assert.Contains(f, expected));
        if (!partial)
        {
            Assert.Equal(expected, present);
        }

        foreach (var file in present.Where(f => f != "job.json"))
        {
            // A torn or partial file would fail to read; a wrong one would differ from the uninterrupted run.
            using var reference = ItkWasm.IO.ImageFile.Read(Path.Combine(temp.Combine("reference"), file));
            using var output = ItkWasm.IO.ImageFile.Read(Path.Combine(temp.Combine("out"), file));
            Assert.Equal(reference.Size, output.Size);
            PixelAssert.Equal(reference, output, file);
        }
    }
}
