using System.Diagnostics;
using ItkWasm;
using ItkWasm.IO;
using ItkWasmCluster.Jobs;
using Xunit.Abstractions;

namespace ItkWasmCluster.Embedded.Tests;

/// <summary>A job of 100,000 items of a tiny WASI module on the embedded cluster: it completes, every result is there,
/// and the process's memory stays bounded (the items live in partitions of at most 500).</summary>
[Collection("Cluster")]
[Trait("Category", "Scale")]
public sealed class ScaleTests(ITestOutputHelper log)
{
    private const int Items = 100_000;

    [Fact]
    public async Task HundredThousandTinyItems_OnTheEmbeddedCluster_Complete()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        using (var image = new Image(new ImageType()) { Size = [4, 4], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] })
        {
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            var template = Path.Combine(temp.FullName, "template.iwi.cbor");
            ImageFile.Write(image, template);
            for (var i = 0; i < Items; i++)
            {
                var folder = Path.Combine(input, (i / 1000).ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                if (i % 1000 == 0)
                {
                    Directory.CreateDirectory(folder);
                }

                File.Copy(template, Path.Combine(folder, $"{i:D6}.iwi.cbor"));
            }
        }

        var spec = new JobSpec
        {
            Name = "scale",
            Input = new DatasetSpec { Location = input },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate") }],
            Output = new OutputSpec { Location = temp.Combine("out") },
        };
        var watch = Stopwatch.StartNew();
        var summary = await ClusterFixture.RunAsync(spec, concurrency: Environment.ProcessorCount);
        var elapsed = watch.Elapsed;
        var peak = ProcessMemory.PeakMiB();

        log.WriteLine($"{Items} items in {elapsed.TotalSeconds:F0} s ({elapsed.TotalMilliseconds / Items:F2} ms per item), peak working set {peak} MiB");
        Assert.Equal(JobState.Succeeded, summary.State);
        Assert.Equal(Items, summary.Counts.Succeeded);
        Assert.Equal(Items, Directory.GetFiles(temp.Combine("out"), "*.iwi.cbor", SearchOption.AllDirectories).Length);
        Assert.True(peak < 2048, $"peak working set {peak} MiB");
    }
}
