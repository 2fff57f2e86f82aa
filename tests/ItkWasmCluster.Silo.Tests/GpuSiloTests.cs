using System.Net;
using System.Numerics;
using ItkWasm;
using ItkWasm.IO;
using ItkWasmCluster.Client;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Silo.Tests;

/// <summary>A cluster of one <c>gpu</c> silo (ILGPU's CPU accelerator standing in for a GPU) and one plain silo, as real
/// processes: GPU stages run only on the first, <c>auto</c> falls back to the CPU once it is killed, and a stage that
/// insists on a GPU is refused when none is left.</summary>
[Collection("Cluster")]
[Trait("Category", "Silos")]
[Trait("Category", "Processes")]
public sealed class GpuSiloTests : IDisposable
{
    private readonly TempDirectory temp = new();
    private readonly StoreServer store = StoreServer.Redis();
    private readonly string clusterId = $"gpu-{Guid.NewGuid():N}";
    private readonly List<SiloProcess> silos = [];

    public void Dispose()
    {
        foreach (var silo in silos)
        {
            silo.Dispose();
        }

        store.Dispose();
        temp.Dispose();
    }

    [Fact]
    public async Task GpuStagesRunOnlyOnTheGpuSilo_AutoFallsBackWhenItIsKilled_AndGpuIsThenRefused()
    {
        var input = Inputs(80);
        var gpu = await SiloProcess.StartAsync(store, clusterId, new Dictionary<string, string> { ["ITKWASM_GPU_ACCELERATOR"] = "cpu" }, 2, "--capability", "gpu");
        silos.Add(gpu);
        var plain = await SiloProcess.StartAsync(store, clusterId, 2);
        silos.Add(plain);
        using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(plain.Url), Token = SiloProcess.Token });

        // Both silos up: every item runs on the GPU silo, on its GPU override.
        var first = await (await client.SubmitJobAsync(BinShrink(input, temp.Combine("first"), StageAccelerator.Auto))).WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(JobState.Succeeded, first.State);
        Assert.All(first.Items, i => Assert.Equal((gpu.Address, "gpu:cpu"), (i.Silo, i.Implementations)));

        // The GPU silo killed mid-job: the rest of the items run on the plain silo, on the CPU.
        var job = await client.SubmitJobAsync(BinShrink(input, temp.Combine("second"), StageAccelerator.Auto));
        await Eventually.UntilAsync(async () => (await client.GetStatusAsync(job.Id)).Counts.Succeeded >= 3, "3 items done");
        gpu.Signal("KILL");
        var second = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(JobState.Succeeded, second.State);
        var cpu = Vector.IsHardwareAccelerated ? "simd" : "wasm";
        Assert.All(second.Items, i => Assert.Equal(i.Silo == gpu.Address ? "gpu:cpu" : cpu, i.Implementations));
        Assert.Contains(second.Items, i => i.Silo == gpu.Address);
        Assert.Contains(second.Items, i => i.Silo == plain.Address);
        foreach (var item in second.Items)
        {
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(temp.Combine("first"), item.Output)), await File.ReadAllBytesAsync(Path.Combine(temp.Combine("second"), item.Output)));
        }

        // No GPU silo left: a stage that insists on one is refused at submission.
        await Eventually.UntilAsync(async () => (await NodesAsync(plain)).Count == 1, "the GPU silo declared dead");
        var refused = await Assert.ThrowsAsync<ItkWasmClusterException>(() => client.SubmitJobAsync(BinShrink(input, temp.Combine("third"), StageAccelerator.Gpu)));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("no active silo has a GPU", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> NodesAsync(SiloProcess silo)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloProcess.Token);
        var nodes = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(new Uri(silo.Url), "/api/nodes")))!.AsArray();
        return [.. nodes.Select(n => n!.ToJsonString())];
    }

    private string Inputs(int count)
    {
        var input = Directory.CreateDirectory(temp.Combine("in")).FullName;
        for (var i = 0; i < count; i++)
        {
            using var image = new Image(new ImageType(2, ComponentType.UInt16)) { Size = [96, 64] };
            image.Data = DataBuffer.Allocate(image.ByteLength);
            new Random(i).NextBytes(image.Data.AsSpan());
            ImageFile.Write(image, Path.Combine(input, $"item{i:D3}.iwi.cbor"));
        }

        return input;
    }

    private static JobSpec BinShrink(string input, string output, StageAccelerator accelerator) => new()
    {
        Name = "gpu",
        Input = new DatasetSpec { Location = input },
        Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample-bin-shrink", Args = ["--shrink-factors", "2", "2"], Accelerator = accelerator }],
        Output = new OutputSpec { Location = output },
        Retries = 1,
    };
}
