using ItkWasm.Runtime.Wasmtime;

namespace ItkWasm.Tests.Pipelines;

/// <summary>One <see cref="WasmtimeRuntime"/>, with a module cache of its own, shared by the tests of the
/// "WasmtimeRuntime" collection.</summary>
public sealed class WasmtimeRuntimeFixture : IDisposable
{
    private readonly TempDirectory cache = new();

    public WasmtimeRuntimeFixture() => Runtime = new(new WasmtimeRuntimeOptions { ComputeSlots = 2, CacheDirectory = cache.FullName });

    public WasmtimeRuntime Runtime { get; }

    public void Dispose()
    {
        Runtime.Dispose();
        cache.Dispose();
    }
}

[CollectionDefinition("WasmtimeRuntime")]
public sealed class WasmtimeRuntimeCollection : ICollectionFixture<WasmtimeRuntimeFixture>;
