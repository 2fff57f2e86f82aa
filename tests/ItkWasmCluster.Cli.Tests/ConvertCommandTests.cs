using ItkWasm.Tests;

namespace ItkWasmCluster.Cli.Tests;

public class ConvertCommandTests
{
    [Theory]
    [InlineData("itk-wasm/cthead1-rgb.iwi.cbor", ".iwi", ".iwi.cbor.zst", ".iwi.cbor")]
    [InlineData("itk-wasm/cow.iwm.cbor", ".iwm.cbor.zst", ".iwm", ".iwm.cbor")]
    [InlineData("itk-wasm/CompositeTransform.iwt.cbor", ".iwt", ".iwt.cbor.zst", ".iwt.cbor")]
    public void Convert_ThroughEveryFormAndBack_GivesTheOriginalBytes(string file, string first, string second, string last)
    {
        using var temp = new TempDirectory();
        var source = SharedData.Path(file);
        var steps = new[] { source, temp.Combine("a" + first), temp.Combine("b" + second), temp.Combine("c" + last) };

        for (var i = 1; i < steps.Length; i++)
        {
            var run = CliRun.InProcess("convert", steps[i - 1], steps[i]);
            Assert.True(run.ExitCode == 0, run.Stderr);
        }

        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(steps[^1]));
    }

    [Fact]
    public void Convert_BetweenKinds_FailsAndWritesNothing()
    {
        using var temp = new TempDirectory();

        var run = CliRun.InProcess("convert", SharedData.Path("itk-wasm/cow.iwm"), temp.Combine("x.iwi.cbor"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("cannot convert a mesh", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp.FullName));
    }

    [Fact]
    public void Convert_FromCorruptFile_FailsAndLeavesNoOutput()
    {
        using var temp = new TempDirectory();
        var bytes = File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        File.WriteAllBytes(temp.Combine("cut.iwi.cbor"), bytes[..1000]);

        var run = CliRun.InProcess("convert", temp.Combine("cut.iwi.cbor"), temp.Combine("out.iwi.cbor"));

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("truncated", run.Stderr, StringComparison.Ordinal);
        Assert.Equal([temp.Combine("cut.iwi.cbor")], Directory.EnumerateFileSystemEntries(temp.FullName));
    }

    [Theory]
    [InlineData("in.nii.gz", "out.iwi.cbor")]
    [InlineData("in.iwi.cbor", "out.nrrd")]
    public void Convert_OtherFormats_SayNotSupportedYet(string input, string output)
    {
        var run = CliRun.InProcess("convert", input, output);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("not supported yet", run.Stderr, StringComparison.Ordinal);
    }
}
