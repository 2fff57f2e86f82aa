using ItkWasm.Runtime;
using ItkWasmCluster.Storage.Blobs;

namespace ItkWasmCluster.Embedded;

/// <summary>Settings of an <see cref="EmbeddedCluster"/>.</summary>
public sealed record EmbeddedClusterOptions
{
    /// <summary>Gets how many items run at once (the silo's compute slots). Default: the processor count; at least 1.</summary>
    public int Concurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Gets the pipeline runtime's settings (Wasmtime's module cache, Node.js, node_modules); its compute
    /// slots are <see cref="Concurrency"/>.</summary>
    public WasmRuntimeOptions Runtime { get; init; } = new();

    /// <summary>Gets how blob locations are reached (the storage account of <c>az://</c> locations, retries). Not
    /// confined by default: the embedded cluster serves any folder or container the user names.</summary>
    public BlobStorageOptions Storage { get; init; } = new();

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Names the setting that is out of range.</exception>
    public void Validate() => ArgumentOutOfRangeException.ThrowIfLessThan(Concurrency, 1, nameof(Concurrency));
}
