using System.ComponentModel.DataAnnotations;
using ItkWasm.Runtime;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace ItkWasmCluster.Grains.Hosting;

/// <summary>
/// A silo's ItkWasmCluster settings: bound from the configuration section <see cref="SectionName"/>, then changed by the
/// delegates given to <see cref="ItkWasmClusterSiloBuilderExtensions.AddItkWasmCluster"/>, and validated when the host
/// starts (<see cref="ItkWasmClusterOptionsValidator"/>: the host does not start, and the error names the setting).
/// </summary>
public sealed class ItkWasmClusterOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "ItkWasmCluster";

    /// <summary>Gets or sets how many items the silo runs at once, 1 to 256 (default: the processor count): its pipeline
    /// runtime's compute slots (Wasmtime's run threads, the Node executors) and its share of the cluster's work, which
    /// it publishes in its silo metadata. The one place a silo's slots are set.</summary>
    [Range(1, 256)]
    public int ComputeSlots { get; set; } = Environment.ProcessorCount;

    /// <summary>Gets or sets what the silo is told it offers beyond wasm (such as <c>gpu</c>); see
    /// <see cref="Workers.StageImplementations.Detect"/> for what is added and checked.</summary>
    public IList<string> Capabilities { get; set; } = [];

    /// <summary>Gets or sets where the jobs' datasets, results and modules may be (data roots, blob containers, module
    /// roots) and how blobs are reached.</summary>
    public BlobStorageOptions Storage { get; set; } = new();

    /// <summary>Gets or sets the pipeline runtime's other settings (its module cache, its <c>node_modules</c>); its
    /// compute slots are <see cref="ComputeSlots"/>. Unused when the host registers its own <see cref="IWasmRuntime"/>.</summary>
    public WasmRuntimeOptions Runtime { get; set; } = new();
}

/// <summary>Checks <see cref="ItkWasmClusterOptions"/> beyond their data annotations: the storage settings open, the
/// runtime's settings hold, and the capabilities asked for are offered by the override packages plugged in.</summary>
/// <param name="capabilityError">Why the capabilities asked for cannot be offered, if so (found at registration, when
/// the silo's metadata is made).</param>
internal sealed class ItkWasmClusterOptionsValidator(Func<string?> capabilityError) : IValidateOptions<ItkWasmClusterOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ItkWasmClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (capabilityError() is { } capabilities)
        {
            errors.Add($"{ItkWasmClusterOptions.SectionName}:Capabilities: {capabilities}");
        }

        try
        {
            _ = new BlobStores(options.Storage);
        }
        catch (BlobLocationException e)
        {
            errors.Add($"{ItkWasmClusterOptions.SectionName}:Storage: {e.Message}");
        }

        try
        {
            (options.Runtime with { ComputeSlots = Math.Max(1, options.ComputeSlots) }).Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"{ItkWasmClusterOptions.SectionName}:Runtime: {e.Message}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
