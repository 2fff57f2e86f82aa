using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Security;

/// <summary>No job destroys data: results never go into (or around) the dataset, and two running jobs never share an
/// output location.</summary>
public sealed class OutputLocationTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new();
    private TestCluster? cluster;

    public async Task InitializeAsync() => cluster = await TestCluster.StartAsync(temp.Combine("grains"), temp.Combine("module-cache"));

    public async Task DisposeAsync() => await cluster!.DisposeAsync();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("data", "data")]
    [InlineData("data", "data/results")]
    [InlineData("data/images", "data")]
    public async Task Output_ThatOverlapsTheDataset_IsRefused_NamingOutputLocation(string input, string output)
    {
        Directory.CreateDirectory(temp.Combine("data/images"));
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), temp.Combine($"{input}/head.iwi.cbor"));
        var spec = Spec(temp.Combine(input), temp.Combine(output), spin: false);

        var error = await Assert.ThrowsAsync<JobSpecException>(() => Submit(spec));

        Assert.Equal("output.location", error.Field);
        Assert.Contains("overlaps the dataset", error.Message, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllBytes(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor")), File.ReadAllBytes(temp.Combine($"{input}/head.iwi.cbor")));
    }

    [Fact]
    public async Task SecondJob_OnTheOutputLocationOfARunningJob_IsRefused_UntilTheFirstEnds()
    {
        Directory.CreateDirectory(temp.Combine("in"));
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), temp.Combine("in/head.iwi.cbor"));
        var first = Spec(temp.Combine("in"), temp.Combine("out"), spin: true);
        var second = Spec(temp.Combine("in"), temp.Combine("out") + "/", spin: false) with { Name = "other" };

        await Submit(first);
        var error = await Assert.ThrowsAsync<OutputLocationInUseException>(() => Submit(second));
        Assert.Equal(JobIds.For(first), error.Holder);

        await cluster!.Client.GetGrain<IJobGrain>(JobIds.For(first)).CancelAsync();
        await Eventually.UntilAsync(async () => (await cluster.Client.GetGrain<IJobGrain>(JobIds.For(first)).GetStatusAsync())!.State != JobState.Running, "the first job to end");
        Assert.Equal(JobIds.For(second), (await Submit(second)).Id);
    }

    private Task<JobStatus> Submit(JobSpec spec) =>
        cluster!.Client.GetGrain<IJobGrain>(JobIds.For(spec)).SubmitAsync(spec);

    private static JobSpec Spec(string input, string output, bool spin) => new()
    {
        Name = "location",
        Input = new DatasetSpec { Location = input },
        Output = new OutputSpec { Location = output },
        Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate"), Args = spin ? ["--spin"] : [] }],
        Retries = 0,
    };
}
