using ItkWasm;
using ItkWasm.IO;

namespace ItkWasmCluster.Cli.Tests;

public class ExecCommandTests
{
    private static string Module(string name) => Path.Combine(AppContext.BaseDirectory, "modules", name + ".wasi.wasm");

    private static string Genuine(string name) => SharedData.Path($"itk-wasm/wasi/{name}.wasi.wasm");

    [Fact]
    public void Exec_InterfaceJson_PrintsTheDescriptionWithoutPositionals()
    {
        var run = CliRun.InProcess("exec", Genuine("vector-magnitude"), "--interface-json");

        Assert.True(run.ExitCode == 0, run.Stderr);
        var description = System.Text.Json.JsonDocument.Parse(run.Stdout).RootElement;
        Assert.Equal("vector-magnitude", description.GetProperty("name").GetString());
        Assert.Equal("INPUT_IMAGE", description.GetProperty("inputs")[0].GetProperty("type").GetString());
    }

    [Fact]
    public void Exec_ModuleWithoutAnInterfaceDescription_RunsWithItsArgumentsAsWritten()
    {
        var run = CliRun.InProcess("exec", Genuine("stdout-stderr-test"));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("The modem humming\nCode rapidly compiling.\nClick. Perfect success.\n", run.Stderr);
    }

    [Fact]
    public void Exec_WasiModule_RunsWithNodeAbsentFromPath()
    {
        using var temp = new TempDirectory();
        var emptyPath = Directory.CreateDirectory(temp.Combine("bin")).FullName;
        var output = temp.Combine("negated.iwi.cbor");

        var run = CliRun.Process(
            new Dictionary<string, string> { ["PATH"] = emptyPath, ["ITKWASM_CACHE_DIR"] = temp.Combine("cache"), ["ITKWASM_NODE_MODULES"] = temp.Combine("none") },
            "exec", Module("negate"), SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), output);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("negated 65536 pixels\n", run.Stdout);
        Assert.True(File.Exists(output));

        // The same process setup cannot run an npm pipeline: Node.js really is out of reach.
        var npm = CliRun.Process(
            new Dictionary<string, string> { ["PATH"] = emptyPath, ["ITKWASM_CACHE_DIR"] = temp.Combine("cache") },
            "exec", "@itk-wasm/downsample:downsample", "--interface-json");
        Assert.Equal(1, npm.ExitCode);
    }

    [Fact]
    public async Task Exec_TwoProcessesOnAnEmptyModuleCache_BothSucceed_AndLeaveOneArtifact()
    {
        using var temp = new TempDirectory();
        var environment = new Dictionary<string, string> { ["ITKWASM_CACHE_DIR"] = temp.Combine("cache") };
        string[] args = ["exec", Genuine("vector-magnitude"), "--interface-json"];

        var runs = await Task.WhenAll(Task.Run(() => CliRun.Process(environment, args)), Task.Run(() => CliRun.Process(environment, args)));

        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.Stderr));
        Assert.All(runs, r => Assert.Contains("\"vector-magnitude\"", r.Stdout, StringComparison.Ordinal));
        var artifact = Assert.Single(Directory.GetFiles(temp.Combine("cache"), "*", SearchOption.AllDirectories));
        Assert.EndsWith(".cwasm", artifact, StringComparison.Ordinal);
        var third = CliRun.Process(environment, args);
        Assert.True(third.ExitCode == 0, third.Stderr);
    }

    [Fact]
    public void Exec_NpmDownsample_ReadsNiftiAndWritesIwiCbor()
    {
        using var temp = new TempDirectory();
        var output = temp.Combine("small.iwi.cbor");

        var run = CliRun.InProcess("exec", "@itk-wasm/downsample:downsample",
            SharedData.Path("itk-examples/KmeansTest_T1UCharRaw.nii.gz"), output, "--shrink-factors", "2", "2", "2");

        Assert.True(run.ExitCode == 0, run.Stderr);
        using var image = ImageFile.Read(output);
        Assert.Equal([64L, 64L, 31L], image.Size);
        Assert.Equal(ComponentType.Int16, image.ImageType.ComponentType);
    }

    [Fact]
    public void Exec_WasiModule_WithTheSameShape()
    {
        using var temp = new TempDirectory();
        var output = temp.Combine("negated.iwi");

        var run = CliRun.InProcess("exec", Module("negate"), SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), output);

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal("negated 65536 pixels\n", run.Stdout);
        using var original = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        using var negated = ImageFile.Read(output);
        Assert.Equal(255 - original.Data.AsSpan()[1000], negated.Data.AsSpan()[1000]);
    }

    [Fact]
    public void Exec_FailingPipeline_PrintsItsStderrAndExits1()
    {
        var run = CliRun.InProcess("exec", Module("behave"), "exit", "too dark");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("bad input: too dark\n", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("exited with code 3: bad input: too dark", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Exec_MissingOutputArgument_IsAUsageError()
    {
        var run = CliRun.InProcess("exec", "@itk-wasm/downsample:downsample", SharedData.Path("itk-wasm/cthead1.png"), "--shrink-factors", "2", "2");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("missing: downsampled", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Exec_MissingInputFile_SaysWhichInput()
    {
        var run = CliRun.InProcess("exec", "@itk-wasm/downsample:downsample", "/nonexistent.nii.gz", "/tmp/out.iwi.cbor", "--shrink-factors", "2", "2");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("/nonexistent.nii.gz: no such file (input 'input')", run.Stderr, StringComparison.Ordinal);
    }
}
