using ItkWasm;
using ItkWasm.IO;
using ItkWasm.Tests;

namespace ItkWasmCluster.Cli.Tests;

public class ExecCommandTests
{
    private static string Module(string name) => Path.Combine(AppContext.BaseDirectory, "modules", name + ".wasi.wasm");

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
        Assert.Contains("exited with code 3", run.Stderr, StringComparison.Ordinal);
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
