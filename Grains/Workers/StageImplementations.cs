using System.Numerics;
using ItkWasm.Downsample.Accelerated;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// What a silo can run a stage on: the WebAssembly module, or an override registered for the stage's pipeline function
/// (<see cref="PipelineOverrides"/>, ITK-Wasm's priority rules) whose capability the silo offers. Only npm pipeline
/// references (<c>@scope/package:pipeline</c>) name a function an override can stand in for; a <c>.wasi.wasm</c> path
/// always runs as written. Thread-safe.
/// </summary>
public sealed class StageImplementations
{
    /// <summary>The name of the WebAssembly module's implementation, as <c>job.json</c> reports it.</summary>
    public const string Wasm = "wasm";

    private readonly HashSet<string> capabilities;

    /// <summary>Creates the view of a silo that offers <paramref name="capabilities"/>.</summary>
    public StageImplementations(PipelineOverrides overrides, IEnumerable<string> capabilities)
    {
        Overrides = overrides ?? throw new ArgumentNullException(nameof(overrides));
        this.capabilities = new HashSet<string>(capabilities ?? throw new ArgumentNullException(nameof(capabilities)), StringComparer.Ordinal);
    }

    /// <summary>Gets the registry of overrides (priorities can be changed at run time).</summary>
    public PipelineOverrides Overrides { get; }

    /// <summary>Gets the capabilities the silo offers.</summary>
    public IReadOnlySet<string> Capabilities => capabilities;

    /// <summary>Returns the capabilities this machine offers by itself: <c>simd</c> when .NET's vector instructions are
    /// hardware-accelerated; plus <paramref name="configured"/> (such as <c>gpu</c>, which a silo is told).</summary>
    public static IReadOnlyList<string> Detect(IEnumerable<string>? configured = null) =>
        [.. (configured ?? []).Concat(Vector.IsHardwareAccelerated ? [PipelineCapabilities.Simd] : []).Distinct(StringComparer.Ordinal)];

    /// <summary>Returns the bundled overrides (<see cref="DownsampleOverrides"/>) on a silo offering
    /// <paramref name="capabilities"/>.</summary>
    public static StageImplementations Bundled(IEnumerable<string> capabilities) =>
        new(DownsampleOverrides.Register(new PipelineOverrides()), capabilities);

    /// <summary>Chooses the override to run <paramref name="stage"/> on, or null for the WebAssembly module.</summary>
    /// <exception cref="StageException">The stage asks for <c>simd</c> or <c>gpu</c> and this silo can run no such
    /// implementation of its pipeline.</exception>
    internal IPipelineOverride? Choose(StageSpec stage, PipelineReference reference, int position)
    {
        var wanted = stage.Accelerator switch
        {
            StageAccelerator.Simd => PipelineCapabilities.Simd,
            StageAccelerator.Gpu => PipelineCapabilities.Gpu,
            _ => null,
        };
        if (stage.Accelerator == StageAccelerator.Wasm)
        {
            return null;
        }

        var chosen = reference.Kind == PipelineModuleKind.Npm
            ? Overrides.HighestPriority(reference.ToString(), o => capabilities.Contains(o.Capability) && (wanted is null || o.Capability == wanted))
            : null;
        return chosen is null && wanted is not null
            ? throw new StageException(position, $"{stage.Pipeline} has no {wanted} implementation that this silo can run (the stage's accelerator is {wanted}); use auto or wasm")
            : chosen;
    }
}
