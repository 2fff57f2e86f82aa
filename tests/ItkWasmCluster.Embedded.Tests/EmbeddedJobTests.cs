using System.Diagnostics;
using System.Text.Json.Nodes;
using ItkWasm.IO;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Embedded.Tests;

/// <summary>Whole jobs on the embedded cluster, through the client SDK.</summary>
[Collection("Cluster")]
public class EmbeddedJobTests
{
    private static readonly string[] Images =
    [
        "itk-examples/*.png", "itk-examples/*.mha", "itk-examples/*.mhd", "itk-examples/*.nii.gz",
        "itk-wasm/*.png", "itk-wasm/*.nrrd", "itk-wasm/*.fdf", "itk-wasm/*.iwi.cbor",
    ];

    [Fact]
    public async Task Job_OverEveryImageOfSharedData_MatchesTheNpmPackagePerFile()
    {
        using var temp = new TempDirectory();
        var data = SharedData.Path(string.Empty);
        var downsample = ClusterFixture.Downsample(data, temp.Combine("out"), Images);
        // The module itself, so that every pixel must match the package's; the SIMD override (which auto would choose)
        // is held to the module, with its tolerance on rotated images, in ItkWasm.Downsample.Accelerated.Tests.
        var spec = downsample with { Stages = [downsample.Stages[0] with { Accelerator = StageAccelerator.Wasm }] };

        var summary = await ClusterFixture.RunAsync(spec);

        var inputs = summary.Items.Select(t => t.Input).ToArray();
        Assert.Equal(16, inputs.Length); // 10 in itk-examples, 6 in itk-wasm
        Assert.Contains("itk-wasm/tooth.nrrd", inputs);
        Assert.DoesNotContain(inputs, i => i.EndsWith(".raw", StringComparison.Ordinal));
        // The cluster runs downsample on the index grid (the sampling positions are then exact, and the same for
        // every chunking of an image), and gives the result the grid the package gives it: so does the oracle.
        Oracle.Run(new
        {
            op = "downsample-each",
            inputs = inputs.Select(i => Path.Combine(data, i)).ToArray(),
            outputs = inputs.Select((_, n) => temp.Combine($"oracle-{n}.iwi.cbor")).ToArray(),
            factor = 2,
            report = temp.Combine("oracle.json"),
            indexGrid = true,
        });
        var oracle = JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("oracle.json")))!.AsArray();
        for (var n = 0; n < inputs.Length; n++)
        {
            var task = summary.Items[n];
            if (oracle[n]!["ok"]!.GetValue<bool>())
            {
                Assert.True(task.Status == ItemStatus.Succeeded, $"{task.Input}: {task.Error}");
                using var expected = ImageFile.Read(temp.Combine($"oracle-{n}.iwi.cbor"));
                using var actual = ImageFile.Read(Path.Combine(temp.Combine("out"), task.Output));
                Assert.Equal(expected.Size, actual.Size);
                Assert.Equal(expected.Origin, actual.Origin);
                Assert.Equal(expected.Spacing, actual.Spacing);
                Assert.Equal(expected.Direction, actual.Direction);
                PixelAssert.Equal(expected, actual, task.Input);
            }
            else
            {
                // The npm package refuses it too (RGB or complex pixels): the job records the failure and goes on.
                Assert.Equal(ItemStatus.Failed, task.Status);
                Assert.Equal(1, task.Attempts); // a refusal would recur: not retried
            }
        }

        Assert.Contains(summary.Items, t => t.Input.EndsWith("tooth.nrrd", StringComparison.Ordinal) && t.Status == ItemStatus.Succeeded);
        Assert.Equal(JobState.Failed, summary.State);
    }

    [Fact]
    public async Task FailingItem_WithAnErrorExit_IsRecordedAtOnceWithItsCause_AndTheOthersComplete()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), Path.Combine(input, "good.png"));
        File.Copy(SharedData.Path("itk-examples/RatLungSlice1.mha"), Path.Combine(input, "lung.mha"));
        File.Copy(SharedData.Path("itk-examples/RatLungSlice1.raw"), Path.Combine(input, "RatLungSlice1.raw"));
        File.Copy(SharedData.Path("itk-examples/BrainT1Slice.png"), Path.Combine(input, "rgb.png"));
        var spec = ClusterFixture.Downsample(input, temp.Combine("out")) with { Retries = 2 };

        var summary = await ClusterFixture.RunAsync(spec);

        var rgb = summary.Items.Single(t => t.Input == "rgb.png");
        Assert.Equal((ItemStatus.Failed, 1), (rgb.Status, rgb.Attempts)); // a deterministic failure: one attempt, not the budget
        Assert.Contains("exited with code 1: ", rgb.Error, StringComparison.Ordinal);
        Assert.Contains("Unsupported image type", rgb.Error, StringComparison.Ordinal); // the cause, with the failure
        Assert.Contains("Unsupported image type", rgb.Stderr, StringComparison.Ordinal);
        Assert.All(summary.Items.Where(t => t.Input != "rgb.png"), t => Assert.Equal(ItemStatus.Succeeded, t.Status));
        Assert.Equal(["good.iwi.cbor", "job.json", "lung.iwi.cbor"], ClusterFixture.VisibleFiles(temp.Combine("out")));
        var report = JsonNode.Parse(await File.ReadAllTextAsync(temp.Combine("out/job.json")))!;
        var item = report["items"]!.AsArray().Single(i => i!["input"]!.GetValue<string>() == "rgb.png")!;
        Assert.Equal(("failed", 1), (item["status"]!.GetValue<string>(), item["attempts"]!.GetValue<int>()));
        Assert.Contains("Unsupported image type", item["stderr"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("failed", report["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task RerunOfAFinishedJob_DoesNoWorkAndRewritesNothing()
    {
        using var temp = new TempDirectory();
        var spec = ClusterFixture.Downsample(SharedData.Path("itk-wasm"), temp.Combine("out"), "*.png", "*.nrrd");
        await ClusterFixture.RunAsync(spec);
        var written = ClusterFixture.VisibleFiles(temp.Combine("out")).Where(f => f != "job.json")
            .ToDictionary(f => f, f => File.GetLastWriteTimeUtc(Path.Combine(temp.Combine("out"), f)));
        await Task.Delay(50);

        var watch = Stopwatch.StartNew();
        var again = await ClusterFixture.RunAsync(spec);

        Assert.Equal(JobState.Succeeded, again.State);
        Assert.All(written, w => Assert.Equal(w.Value, File.GetLastWriteTimeUtc(Path.Combine(temp.Combine("out"), w.Key))));
        Assert.All(again.Items, t => Assert.Equal(1, t.Attempts));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ChangedAndNewInputs_AreTheOnlyOnesRecomputed()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), Path.Combine(input, "a.png"));
        File.Copy(SharedData.Path("itk-wasm/Gourds.png"), Path.Combine(input, "b.png"));
        var spec = ClusterFixture.Downsample(input, temp.Combine("out"));
        await ClusterFixture.RunAsync(spec);
        var before = File.GetLastWriteTimeUtc(temp.Combine("out/a.iwi.cbor"));

        File.Copy(SharedData.Path("itk-examples/RatLungSlice1.mha"), Path.Combine(input, "c.mha"));
        File.Copy(SharedData.Path("itk-examples/RatLungSlice1.raw"), Path.Combine(input, "RatLungSlice1.raw"));
        File.Copy(SharedData.Path("itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd"), Path.Combine(input, "ignored.txt"));
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), Path.Combine(input, "b.png"), overwrite: true);
        var again = await ClusterFixture.RunAsync(spec with { Input = spec.Input with { Exclude = [.. DatasetSpec.DefaultExclude, "*.txt"] } });

        Assert.Equal(before, File.GetLastWriteTimeUtc(temp.Combine("out/a.iwi.cbor")));
        using var b = ImageFile.Read(temp.Combine("out/b.iwi.cbor"));
        Assert.Equal([128L, 128L], b.Size);
        Assert.Equal(["a.iwi.cbor", "b.iwi.cbor", "c.iwi.cbor", "job.json"], ClusterFixture.VisibleFiles(temp.Combine("out")));
        Assert.Equal(JobState.Succeeded, again.State);
    }

    [Fact]
    public async Task Cancel_StopsARunningPipelinePromptly_AndTheJobResumes()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(input, "a.iwi.cbor"));
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(input, "b.iwi.cbor"));
        var spinning = new JobSpec
        {
            Name = "spin",
            Input = new DatasetSpec { Location = input },
            Output = new OutputSpec { Location = temp.Combine("out") },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = ["--spin"] }],
        };
        using var client = ClusterFixture.NewClient();
        var job = await client.SubmitJobAsync(spinning);
        await foreach (var p in job.WatchAsync())
        {
            if (p.Counts.Running == 2)
            {
                break;
            }
        }

        var watch = Stopwatch.StartNew();
        await job.CancelAsync();
        var summary = await job.WaitForCompletionAsync();

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"cancelling took {watch.Elapsed}");
        Assert.Equal(JobState.Cancelled, summary.State);
        Assert.All(summary.Items, t => Assert.Equal((ItemStatus.Pending, 0), (t.Status, t.Attempts)));
        Assert.Equal(["job.json"], ClusterFixture.VisibleFiles(temp.Combine("out")));
    }

    [Fact]
    public async Task CancelledJob_ResumesWithoutRedoingFinishedItems()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        for (var i = 0; i < 12; i++)
        {
            File.Copy(SharedData.Path(i % 2 == 0 ? "itk-wasm/cthead1.png" : "itk-wasm/Gourds.png"), Path.Combine(input, $"img{i:D2}.png"));
        }

        var spec = ClusterFixture.Downsample(input, temp.Combine("out"));
        using (var client = ClusterFixture.NewClient(1))
        {
            var job = await client.SubmitJobAsync(spec);
            await foreach (var p in job.WatchAsync())
            {
                if (p.Counts.Succeeded >= 3)
                {
                    await job.CancelAsync();
                    break;
                }
            }

            Assert.Equal(JobState.Cancelled, (await job.WaitForCompletionAsync()).State);
        }

        var done = ClusterFixture.VisibleFiles(temp.Combine("out")).Where(f => f != "job.json")
            .ToDictionary(f => f, f => File.GetLastWriteTimeUtc(Path.Combine(temp.Combine("out"), f)));
        Assert.InRange(done.Count, 3, 11);

        var resumed = await ClusterFixture.RunAsync(spec);

        Assert.Equal(JobState.Succeeded, resumed.State);
        Assert.Equal(13, ClusterFixture.VisibleFiles(temp.Combine("out")).Length);
        Assert.All(done, d => Assert.Equal(d.Value, File.GetLastWriteTimeUtc(Path.Combine(temp.Combine("out"), d.Key))));
        Assert.All(resumed.Items, t => Assert.Equal(1, t.Attempts));
    }

    [Fact]
    public async Task Sdk_ProgressStream_ReportsEveryItemStartAndEnd()
    {
        using var temp = new TempDirectory();
        var spec = ClusterFixture.Downsample(SharedData.Path("itk-wasm"), temp.Combine("out"), "*.png");
        using var client = ClusterFixture.NewClient();
        var job = await client.SubmitJobAsync(spec);

        var events = new List<JobProgress>();
        await foreach (var p in job.WatchAsync())
        {
            events.Add(p);
        }

        var results = await job.GetResultsAsync();
        Assert.Null(events[0].Event);
        Assert.Equal(2, events.Count(e => e.Event?.Status == ItemStatus.Running));
        Assert.Equal(2, events.Count(e => e.Event?.Status == ItemStatus.Succeeded));
        Assert.Equal(2, events[^1].Counts.Succeeded);
        Assert.Equal(["Gourds.png", "cthead1.png"], results.Select(r => r.Input));
        Assert.Equal(job.Id, events[^1].JobId);
    }

    [Fact]
    public async Task SecondRunOnTheSameOutput_IsRefusedWhileTheFirstHoldsIt()
    {
        using var temp = new TempDirectory();
        var spec = ClusterFixture.Downsample(SharedData.Path("itk-wasm"), temp.Combine("out"), "*.png");
        using var client = ClusterFixture.NewClient();
        var first = await client.SubmitJobAsync(spec);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => client.SubmitJobAsync(spec));

        Assert.Contains("another run is using", e.Message, StringComparison.Ordinal);
        await first.WaitForCompletionAsync();
    }
}
