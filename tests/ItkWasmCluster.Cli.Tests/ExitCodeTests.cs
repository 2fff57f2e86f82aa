
namespace ItkWasmCluster.Cli.Tests;

/// <summary>0 success, 2 usage error, 1 any other failure; errors are single lines, never stack traces.</summary>
public class ExitCodeTests
{
    [Theory]
    [InlineData]
    [InlineData("bogus")]
    [InlineData("info")]
    [InlineData("convert", "only-one.iwi")]
    [InlineData("info", "a.iwi", "extra")]
    public void UsageMistakes_ExitWith2AndAHint(params string[] args)
    {
        var run = CliRun.InProcess(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--help", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Stdout);
    }

    [Fact]
    public void Help_ExitsWith0()
    {
        var run = CliRun.InProcess("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("info", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("convert", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("1000")]
    public void Run_WithAConcurrencyOutOfRange_ExitsWith2NamingIt(string concurrency)
    {
        var run = CliRun.InProcess("run", "--input", "in", "--output", "out", "--pipeline", "m.wasm", "--concurrency", concurrency);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--concurrency must be 1 to 256 (items at once), not {concurrency}", run.Stderr, StringComparison.Ordinal);
        var retries = CliRun.InProcess("run", "--input", "in", "--output", "out", "--pipeline", "m.wasm", "--retries", "-1");
        var timeout = CliRun.InProcess("run", "--input", "in", "--output", "out", "--pipeline", "m.wasm", "--timeout", "0");
        Assert.Equal((2, 2), (retries.ExitCode, timeout.ExitCode));
        Assert.Contains("--retries must be at least 0 (retries per failed item), not -1", retries.Stderr, StringComparison.Ordinal);
        Assert.Contains("--timeout must be at least 1 (seconds per item), not 0", timeout.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("submit")]
    [InlineData("status")]
    [InlineData("watch")]
    [InlineData("cancel")]
    public void Help_NeverShowsTheToken(string command)
    {
        const string Secret = "s3cret-token-0123456789";
        var run = CliRun.Process(new Dictionary<string, string> { ["ITKWASM_CLUSTER_TOKEN"] = Secret }, command, "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--token", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFile_ExitsWith1AndOneLine()
    {
        var run = CliRun.InProcess("info", "/nonexistent/x.iwi.cbor");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("itkwasm-cluster: /nonexistent/x.iwi.cbor: no such file", run.Stderr.TrimEnd());
    }

    [Fact]
    public void RealExecutable_CorruptInput_PrintsOneLineAndNoStackTrace()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("bad.iwi.cbor");
        File.WriteAllBytes(path, [0xa1, 0x69, 0x69, 0x6d, 0x61, 0x67, 0x65, 0x54, 0x79, 0x70, 0x65, 0x80]);

        var run = CliRun.Process("info", path);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal($"itkwasm-cluster: {path}: imageType: expected a map, found an array (at byte 11)", run.Stderr.TrimEnd());
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SiloInKubernetesMode_WithoutWhatThePodGives_NamesTheMissingSetting()
    {
        string[] args = ["silo", "--redis", "127.0.0.1:1", "--token", "test-token-0123456789", "--kubernetes", "true"];

        var noNamespace = CliRun.Process(new Dictionary<string, string> { ["POD_NAMESPACE"] = string.Empty, ["KUBECONFIG"] = "/nonexistent/kubeconfig" }, args);
        var noApi = CliRun.Process(new Dictionary<string, string> { ["POD_NAMESPACE"] = "itkwasm", ["KUBECONFIG"] = "/nonexistent/kubeconfig" }, args);

        Assert.Equal(2, noNamespace.ExitCode);
        Assert.StartsWith("itkwasm-cluster: --kubernetes (ITKWASM_SILO_KUBERNETES) needs the pod's namespace: set POD_NAMESPACE", noNamespace.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, noApi.ExitCode);
        Assert.StartsWith("itkwasm-cluster: --kubernetes (ITKWASM_SILO_KUBERNETES) needs the Kubernetes API: run in a pod with a service account, or set KUBECONFIG (there is no /nonexistent/kubeconfig)", noApi.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", noNamespace.Stderr + noApi.Stderr, StringComparison.Ordinal);
    }
}
