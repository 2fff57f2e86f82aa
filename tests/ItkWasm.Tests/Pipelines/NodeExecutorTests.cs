using System.Diagnostics;
using ItkWasm.Pipelines;

namespace ItkWasm.Tests.Pipelines;

/// <summary>The Node.js executors that run npm pipelines: stopped at a deadline or on cancellation, replaced when they
/// die, gone when their host dies. A 256³ float volume keeps downsample busy long enough to interrupt.</summary>
[Collection("NodeRuntime")]
public sealed class NodeExecutorTests(NodeRuntimeFixture fixture) : IDisposable
{
    private readonly Image volume = Volume();

    private Pipeline Downsample => new(PipelineReference.Parse("@itk-wasm/downsample:downsample"), fixture.Runtime);

    public void Dispose() => volume.Dispose();

    [Fact]
    public async Task Deadline_StopsTheRun_AndTheNextRunWorks()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() => Shrink(new PipelineRunOptions { Timeout = TimeSpan.FromMilliseconds(100) }));

        Assert.Equal(PipelineFailureKind.Timeout, e.Kind);
        await AssertHealthy();
    }

    [Fact]
    public async Task Cancellation_StopsTheRun()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Shrink(null, cancel.Token));
        await AssertHealthy();
    }

    [Fact]
    public async Task KilledExecutor_FailsItsRun_AndIsReplaced()
    {
        var running = Shrink(new PipelineRunOptions { Timeout = TimeSpan.FromSeconds(60) });
        int[] executors = [];
        for (var i = 0; i < 100 && executors.Length == 0; i++)
        {
            await Task.Delay(20);
            executors = NodeRuntimeFixture.ExecutorProcesses();
        }

        foreach (var pid in executors)
        {
            Process.GetProcessById(pid).Kill();
        }

        var e = await Assert.ThrowsAsync<PipelineRunException>(() => running);
        Assert.Equal(PipelineFailureKind.ExecutorCrashed, e.Kind);
        await AssertHealthy();
    }

    [Fact]
    public void OrphanedExecutor_ExitsWhenItsHostDies()
    {
        // bash starts an executor, prints its pid and exits; the executor's watchdog must notice its new parent.
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardInput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"node '{Path.Combine(AppContext.BaseDirectory, "itkwasm-executor.mjs")}' '' & echo $!; sleep 1");
        using var host = Process.Start(start)!;
        var pid = int.Parse(host.StandardOutput.ReadLine()!, System.Globalization.CultureInfo.InvariantCulture);
        host.WaitForExit();

        var gone = SpinWait.SpinUntil(() => !Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.True(gone, $"executor {pid} outlived its host");
    }

    [Fact]
    public async Task WasiModule_IsRefused_BecauseItRunsOnWasmtime()
    {
        var e = await Assert.ThrowsAsync<PipelineRunException>(() =>
            new Pipeline(PipelineReference.Parse(TestModules.Own("behave")), fixture.Runtime).RunAsync(["print", "x"], [], []));

        Assert.Equal(PipelineFailureKind.InvalidRequest, e.Kind);
        Assert.Contains("runs on Wasmtime", e.Message, StringComparison.Ordinal);
    }

    private async Task Shrink(PipelineRunOptions? options, CancellationToken cancellationToken = default)
    {
        using var result = await Downsample.RunAsync(
            ["0", "0", "--shrink-factors", "2", "2", "2"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(volume)], options, cancellationToken);
    }

    private async Task AssertHealthy()
    {
        using var small = new Image(new ImageType(2, ComponentType.UInt8, PixelType.Scalar, 1)) { Size = [4, 4] };
        small.Data.Dispose();
        small.Data = DataBuffer.Copy<byte>(Enumerable.Range(0, 16).Select(i => (byte)i).ToArray());
        using var result = await Downsample.RunAsync(["0", "0", "--shrink-factors", "2", "2"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(small)]);
        Assert.Equal([2L, 2L], result.Output<Image>(0).Size);
    }

    private static Image Volume()
    {
        var image = new Image(new ImageType(3, ComponentType.Float32, PixelType.Scalar, 1)) { Size = [256, 256, 256] };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(256L * 256 * 256 * sizeof(float));
        var random = new Random(7);
        for (long z = 0; z < 256; z++)
        {
            var slice = image.Data.AsSpan<float>(z * 256 * 256, 256 * 256);
            for (var i = 0; i < slice.Length; i++)
            {
                slice[i] = (float)random.NextDouble();
            }
        }

        return image;
    }
}
