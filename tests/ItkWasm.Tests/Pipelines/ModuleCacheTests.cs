using ItkWasm.IO;
using ItkWasm.Pipelines;
using ItkWasm.Runtime.Wasmtime;

namespace ItkWasm.Tests.Pipelines;

/// <summary>Wasmtime's compiled modules on disk: a later runtime (as a restarted process would) loads the artifact
/// instead of compiling, and a corrupt, truncated or foreign artifact is recompiled and replaced.</summary>
public sealed class ModuleCacheTests : IDisposable
{
    private readonly TempDirectory cache = new();

    public void Dispose() => cache.Dispose();

    [Fact]
    public async Task SecondRuntime_LoadsTheArtifact_InsteadOfCompiling()
    {
        var first = await RunNegateAsync(cache.FullName);
        var second = await RunNegateAsync(cache.FullName);

        Assert.Equal(new ModuleCacheStatistics(1, 0, 0), first);
        Assert.Equal(new ModuleCacheStatistics(0, 1, 0), second);
        var artifact = Assert.Single(Directory.GetFiles(cache.FullName, "*.cwasm", SearchOption.AllDirectories));
        Assert.StartsWith(Path.Combine(cache.FullName, "wasmtime-50.0.1-"), artifact, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("empty")]
    public async Task DamagedArtifact_IsRecompiledAndReplaced(string damage)
    {
        await RunNegateAsync(cache.FullName);
        var artifact = Assert.Single(Directory.GetFiles(cache.FullName, "*.cwasm", SearchOption.AllDirectories));
        var bytes = await File.ReadAllBytesAsync(artifact);
        switch (damage)
        {
            case "flip":
                bytes[bytes.Length / 2] ^= 0xff;
                await File.WriteAllBytesAsync(artifact, bytes);
                break;
            case "truncate":
                await File.WriteAllBytesAsync(artifact, bytes[..(bytes.Length / 3)]);
                break;
            default:
                await File.WriteAllBytesAsync(artifact, []);
                break;
        }

        var repaired = await RunNegateAsync(cache.FullName);
        var after = await RunNegateAsync(cache.FullName);

        Assert.Equal(new ModuleCacheStatistics(1, 0, 1), repaired);
        Assert.Equal(new ModuleCacheStatistics(0, 1, 0), after);
    }

    [Fact]
    public async Task ArtifactOfAnotherEngineConfiguration_IsRecompiledAndReplaced()
    {
        using var foreignCache = new TempDirectory();
        await RunNegateAsync(foreignCache.FullName, WasmtimeInterruption.None);
        await RunNegateAsync(cache.FullName);
        var foreign = Assert.Single(Directory.GetFiles(foreignCache.FullName, "*.cwasm", SearchOption.AllDirectories));
        var ours = Assert.Single(Directory.GetFiles(cache.FullName, "*.cwasm", SearchOption.AllDirectories));
        Assert.NotEqual(Path.GetDirectoryName(foreign)![foreignCache.FullName.Length..], Path.GetDirectoryName(ours)![cache.FullName.Length..]);

        // An intact artifact (its checksum matches) that Wasmtime refuses: compiled with other engine settings.
        File.Delete(ours);
        File.Copy(foreign, Path.Combine(Path.GetDirectoryName(ours)!, Path.GetFileName(foreign)));

        var repaired = await RunNegateAsync(cache.FullName);

        Assert.Equal(new ModuleCacheStatistics(1, 0, 1), repaired);
    }

    [Fact]
    public async Task ConcurrentFirstUses_CompileTheModuleOnce()
    {
        using var runtime = new WasmtimeRuntime(new WasmtimeRuntimeOptions { ComputeSlots = 4, CacheDirectory = cache.FullName });
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        var negate = new Pipeline(PipelineReference.Parse(TestModules.Own("negate")), runtime);

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            negate.RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)])));

        Assert.Equal(new ModuleCacheStatistics(1, 0, 0), runtime.CacheStatistics);
        foreach (var r in results)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task EmptyCacheDirectory_KeepsModulesInMemoryOnly()
    {
        using var runtime = new WasmtimeRuntime(new WasmtimeRuntimeOptions { ComputeSlots = 1, CacheDirectory = string.Empty });
        var behave = new Pipeline(PipelineReference.Parse(TestModules.Own("behave")), runtime);

        using var first = await behave.RunAsync(["print", "a"], [], []);
        using var second = await behave.RunAsync(["print", "b"], [], []);

        Assert.Null(runtime.CacheDirectory);
        Assert.Equal(new ModuleCacheStatistics(1, 0, 0), runtime.CacheStatistics);
        Assert.Equal(TimeSpan.Zero, second.Timings.Compile);
    }

    private static async Task<ModuleCacheStatistics> RunNegateAsync(string cacheDirectory, WasmtimeInterruption interruption = WasmtimeInterruption.Epoch)
    {
        using var runtime = new WasmtimeRuntime(new WasmtimeRuntimeOptions { ComputeSlots = 1, CacheDirectory = cacheDirectory, Interruption = interruption });
        using var image = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        using var result = await new Pipeline(PipelineReference.Parse(TestModules.Own("negate")), runtime)
            .RunAsync(["0", "0"], [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(image)]);
        Assert.Equal(255 - image.Data.AsSpan()[1000], result.Output<Image>(0).Data.AsSpan()[1000]);
        return runtime.CacheStatistics;
    }
}
