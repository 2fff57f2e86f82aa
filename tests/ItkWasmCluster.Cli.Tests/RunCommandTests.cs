using System.Text.Json.Nodes;

namespace ItkWasmCluster.Cli.Tests;

public class RunCommandTests
{
    [Fact]
    public void Run_ShortForm_PrintsProgressAndSummary_AndExits0()
    {
        using var temp = new TempDirectory();

        var run = CliRun.InProcess("run", "--input", SharedData.Path("itk-wasm"), "--output", temp.Combine("out"),
            "--pipeline", "@itk-wasm/downsample:downsample", "--include", "*.png", "--", "--shrink-factors", "2", "2");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("succeeded cthead1.png -> cthead1.iwi.cbor", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("[2/2]", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("itk-wasm: succeeded", run.Stdout, StringComparison.Ordinal);
        Assert.Contains(System.Numerics.Vector.IsHardwareAccelerated ? "stages ran on: simd ×2" : "stages ran on: wasm ×2", run.Stdout, StringComparison.Ordinal); // downsample's override
        Assert.Contains($"report: {temp.Combine("out/job.json")}", run.Stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(temp.Combine("out/Gourds.iwi.cbor")));
    }

    [Fact]
    public void Run_JobFileWithAFailingItem_ReportsItAndExits1()
    {
        using var temp = new TempDirectory();
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1.png"), Path.Combine(input, "good.png"));
        File.WriteAllText(Path.Combine(input, "broken.png"), "not a png");
        File.WriteAllText(temp.Combine("job.json"), """
            {"name": "mixed", "input": {"location": "in"}, "output": {"location": "out"}, "retries": 1,
             "stages": [{"pipeline": "@itk-wasm/downsample:downsample", "args": ["--shrink-factors", "2", "2"]}]}
            """);

        var run = CliRun.InProcess("run", temp.Combine("job.json"));

        Assert.Equal(1, run.ExitCode);
        Assert.DoesNotContain("retrying broken.png", run.Stdout, StringComparison.Ordinal); // no reader takes it: a retry would fail alike
        Assert.Contains("FAILED broken.png", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("failed broken.png after 1 attempt: ", run.Stdout, StringComparison.Ordinal);
        var report = JsonNode.Parse(File.ReadAllText(temp.Combine("out/job.json")))!;
        Assert.Equal((1, 1), (report["counts"]!["succeeded"]!.GetValue<int>(), report["counts"]!["failed"]!.GetValue<int>()));
    }

    [Fact]
    public void Run_WithoutAJobOrTheShortForm_IsAUsageError()
    {
        var run = CliRun.InProcess("run", "--input", "x");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--output, --pipeline", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InvalidJobFile_NamesTheField()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("job.yaml"), "name: x\ninput: in\noutput: out\nstages:\n  - args: [a]\n");

        var run = CliRun.InProcess("run", temp.Combine("job.yaml"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("itkwasm-cluster: stages[0].pipeline: is required", run.Stderr.TrimEnd());
    }

    [Fact]
    public void Run_DeeplyNestedJobFile_IsOneLineError_NotAStackOverflow()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("job.yaml"), "name: " + new string('[', 100_000));

        var run = CliRun.InProcess("run", temp.Combine("job.yaml"));

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("itkwasm-cluster: (document): nested deeper than", run.Stderr.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WithTheOutputInTheDataset_IsRefused_AndTheInputsAreUntouched()
    {
        using var temp = new TempDirectory();
        var data = Directory.CreateDirectory(temp.Combine("data")).FullName;
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(data, "head.iwi.cbor"));
        var before = File.ReadAllBytes(Path.Combine(data, "head.iwi.cbor"));

        var run = CliRun.InProcess("run", "--input", data, "--output", data, "--pipeline", "@itk-wasm/downsample:downsample-bin-shrink", "--", "--shrink-factors", "2", "2");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("itkwasm-cluster: output.location:", run.Stderr.TrimEnd(), StringComparison.Ordinal);
        Assert.Contains("overlaps the dataset", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(data, "head.iwi.cbor")));
    }
}
