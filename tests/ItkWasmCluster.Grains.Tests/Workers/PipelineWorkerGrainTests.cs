using ItkWasm.IO;
using ItkWasmCluster.Grains.Workers;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Workers;

/// <summary>The worker grain runs an item on the silo's runtime: it commits the result and names its content key,
/// reuses a result committed under the same key, and reports a failed stage with its stderr.</summary>
public sealed class PipelineWorkerGrainTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new();
    private TestCluster? cluster;

    public async Task InitializeAsync() => cluster = await TestCluster.StartAsync(temp.Combine("grains"), temp.Combine("module-cache"));

    public async Task DisposeAsync() => await cluster!.DisposeAsync();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Run_CommitsTheResult_ThenReusesItUnderTheSameContentKey()
    {
        var spec = Spec();
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(spec.Input.Location, "head.iwi.cbor"));
        var worker = cluster!.Client.GetGrain<IPipelineWorkerGrain>("test#0");

        var first = await worker.RunAsync(await RequestAsync(cluster!.Client, spec, "head.iwi.cbor", recorded: null));

        Assert.True(first.Succeeded, first.Error);
        Assert.False(first.Reused);
        Assert.Matches("^[0-9a-f]{64}$", first.ContentKey);
        Assert.False(string.IsNullOrEmpty(first.Silo));
        var result = Path.Combine(spec.Output.Location, "head.iwi.cbor");
        using (var original = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor")))
        using (var negated = ImageFile.Read(result))
        {
            Assert.Equal(255 - original.Data.AsSpan()[1000], negated.Data.AsSpan()[1000]);
        }

        var written = File.GetLastWriteTimeUtc(result);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(result))), first.ResultHash);
        var second = await worker.RunAsync(await RequestAsync(cluster!.Client, spec, "head.iwi.cbor", first.ContentKey, first.ResultHash));

        Assert.True(second.Succeeded, second.Error);
        Assert.True(second.Reused);
        Assert.Equal(first.ContentKey, second.ContentKey);
        Assert.Equal(written, File.GetLastWriteTimeUtc(result));
    }

    [Fact]
    public async Task Run_AResultWrittenOverByOtherBytes_IsNotReused_ButWrittenAgain()
    {
        var spec = Spec();
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(spec.Input.Location, "head.iwi.cbor"));
        var worker = cluster!.Client.GetGrain<IPipelineWorkerGrain>("test#0");
        var first = await worker.RunAsync(await RequestAsync(cluster!.Client, spec, "head.iwi.cbor", recorded: null));
        var result = Path.Combine(spec.Output.Location, "head.iwi.cbor");
        var bytes = await File.ReadAllBytesAsync(result);

        // Another job (or a person) wrote something else at the result's name.
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), result, overwrite: true);
        var second = await worker.RunAsync(await RequestAsync(cluster!.Client, spec, "head.iwi.cbor", first.ContentKey, first.ResultHash));

        Assert.True(second.Succeeded, second.Error);
        Assert.False(second.Reused);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(result));
        Assert.Equal(first.ResultHash, second.ResultHash);
    }

    [Fact]
    public async Task Run_AFailingStage_IsAResultWithTheStageStderr()
    {
        var spec = Spec();
        ClusterFixture.WriteImageNegateRefuses(Path.Combine(spec.Input.Location, "floats.iwi.cbor"));

        var result = await cluster!.Client.GetGrain<IPipelineWorkerGrain>("test#0").RunAsync(await RequestAsync(cluster.Client, spec, "floats.iwi.cbor", recorded: null));

        Assert.False(result.Succeeded);
        Assert.Contains("exited with code 2", result.Error, StringComparison.Ordinal);
        Assert.Equal("negate: the input must be uint8\n", result.Stderr);
        Assert.False(File.Exists(Path.Combine(spec.Output.Location, "floats.iwi.cbor")));
    }

    [Fact]
    public async Task Run_AModuleOutsideTheServedModuleRoots_IsRefusedByTheWorkerItself()
    {
        // A caller that reaches the worker grain directly (any cluster member) skips the job's checks at submission.
        var modules = Directory.CreateDirectory(temp.Combine("served-modules")).FullName;
        await using var confined = await TestCluster.StartAsync(temp.Combine("grains-confined"), temp.Combine("module-cache"),
            blobs: new Storage.Blobs.BlobStorageOptions { Confinement = new Storage.Blobs.StorageConfinement { DataRoots = [temp.FullName], ModuleRoots = [modules] } });
        var spec = Spec();
        File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(spec.Input.Location, "head.iwi.cbor"));

        var result = await confined.Client.GetGrain<IPipelineWorkerGrain>("test#0").RunAsync(await RequestAsync(confined.Client, spec, "head.iwi.cbor", recorded: null));

        Assert.False(result.Succeeded);
        Assert.Contains("--module-root", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(spec.Output.Location, "head.iwi.cbor")));
    }

    private JobSpec Spec() => new()
    {
        Name = "worker",
        Input = new DatasetSpec { Location = Directory.CreateDirectory(temp.Combine($"in-{Guid.NewGuid():N}")).FullName },
        Output = new OutputSpec { Location = Directory.CreateDirectory(temp.Combine($"out-{Guid.NewGuid():N}")).FullName },
        Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate") }],
    };

    // A worker asks the partition that sent a request for the job's spec: the test's partition holds it, runs nothing.
    private static async Task<ItemRequest> RequestAsync(IClusterClient client, JobSpec spec, string input, string? recorded, string? recordedResultHash = null)
    {
        var job = JobIds.For(spec);
        await client.GetGrain<ItkWasmCluster.Grains.Jobs.IPartitionGrain>($"{job}/0").StartAsync(spec, [], run: false);
        return new(job, 0, 0, input, spec.Output.ResultName(input), 1, recorded, RecordedResultHash: recordedResultHash);
    }
}
