using System.Numerics;
using ItkWasm;
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
    private readonly IReadOnlyList<IPipelineOverridePackage> packages;

    /// <summary>Creates the view of a silo that offers <paramref name="capabilities"/>.</summary>
    /// <param name="overrides">The registry of overrides.</param>
    /// <param name="capabilities">What the silo offers (<see cref="Detect"/>).</param>
    /// <param name="packages">The override packages the host plugs in, which say which functions have a GPU override.</param>
    public StageImplementations(PipelineOverrides overrides, IEnumerable<string> capabilities, IEnumerable<IPipelineOverridePackage>? packages = null)
    {
        Overrides = overrides ?? throw new ArgumentNullException(nameof(overrides));
        this.capabilities = new HashSet<string>(capabilities ?? throw new ArgumentNullException(nameof(capabilities)), StringComparer.Ordinal);
        this.packages = [.. packages ?? []];
    }

    /// <summary>Gets the registry of overrides (priorities can be changed at run time).</summary>
    public PipelineOverrides Overrides { get; }

    /// <summary>Gets the capabilities the silo offers.</summary>
    public IReadOnlySet<string> Capabilities => capabilities;

    /// <summary>Returns the capabilities this machine offers: <c>simd</c> when .NET's vector instructions are
    /// hardware-accelerated, what the <paramref name="packages"/> find (a GPU), and the rest of
    /// <paramref name="configured"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="configured"/> asks for <c>gpu</c> and no package
    /// offers it (no device, or no package with GPU overrides).</exception>
    public static IReadOnlyList<string> Detect(IEnumerable<string>? configured, IEnumerable<IPipelineOverridePackage> packages)
    {
        ArgumentNullException.ThrowIfNull(packages);
        var asked = (configured ?? []).ToList();
        var offered = asked.Where(c => c != PipelineCapabilities.Gpu).ToList();
        if (Vector.IsHardwareAccelerated)
        {
            offered.Add(PipelineCapabilities.Simd);
        }

        offered.AddRange(packages.SelectMany(p => p.DetectCapabilities(asked)));
        if (asked.Contains(PipelineCapabilities.Gpu) && !offered.Contains(PipelineCapabilities.Gpu))
        {
            throw new InvalidOperationException("the gpu capability needs a package of GPU overrides that finds a device, and none is plugged in");
        }

        return [.. offered.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The environment variable with priorities for the overrides, in the form
    /// <see cref="PipelineOverrides.Configure"/> takes: <c>FUNCTION=IMPLEMENTATION:PRIORITY[,...][;...]</c>.</summary>
    public const string PrioritiesVariable = "ITKWASM_OVERRIDE_PRIORITIES";

    /// <summary>Returns the overrides of <paramref name="packages"/> that a silo offering <paramref name="capabilities"/>
    /// can run, at the priorities <paramref name="priorities"/> sets (default: <see cref="PrioritiesVariable"/>).</summary>
    /// <exception cref="InvalidOperationException">The priorities do not parse, or name an override that is not
    /// registered on this machine; the message quotes the setting.</exception>
    public static StageImplementations For(IReadOnlyCollection<string> capabilities, IEnumerable<IPipelineOverridePackage> packages, string? priorities = null)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        ArgumentNullException.ThrowIfNull(packages);
        var plugged = packages.ToList();
        var registry = new PipelineOverrides();
        foreach (var package in plugged)
        {
            package.Register(registry, capabilities);
        }

        try
        {
            registry.Configure(priorities ?? Environment.GetEnvironmentVariable(PrioritiesVariable) ?? string.Empty);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"{PrioritiesVariable}: {e.Message}", e);
        }

        return new(registry, capabilities, plugged);
    }

    /// <summary>Gets whether a stage should run where there is a GPU: it asks for one, or it lets the silo choose and
    /// a plugged-in package has a GPU override of its pipeline.</summary>
    public bool WantsGpu(StageSpec stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage.Accelerator == StageAccelerator.Gpu
               || (stage.Accelerator == StageAccelerator.Auto && packages.Any(p => p.FunctionsNeeding(PipelineCapabilities.Gpu).Contains(stage.Pipeline)));
    }

    /// <summary>Returns what names the implementation of <paramref name="stage"/> in an item's content key: empty when
    /// the module's bytes are what it gives (<c>wasm</c>, or <c>auto</c>, which takes only exact overrides), and for
    /// <c>simd</c> or <c>gpu</c> the override this silo would run (its result is within a tolerance of the module's,
    /// so results reused under one key must come from the same implementation).</summary>
    internal string KeyOf(StageSpec stage, PipelineReference reference)
    {
        var wanted = stage.Accelerator switch
        {
            StageAccelerator.Simd => PipelineCapabilities.Simd,
            StageAccelerator.Gpu => PipelineCapabilities.Gpu,
            _ => null,
        };
        return wanted is null || reference.Kind != PipelineModuleKind.Npm
            ? string.Empty
            : Overrides.HighestPriority(reference.ToString(), o => capabilities.Contains(o.Capability) && o.Capability == wanted)?.Implementation ?? "none";
    }

    /// <summary>Chooses the override to run <paramref name="stage"/> on for <paramref name="input"/>, or null for the
    /// WebAssembly module (also when no override takes that input, such as a multi-component image).</summary>
    /// <exception cref="StageException">The stage asks for <c>simd</c> or <c>gpu</c> and this silo can run no such
    /// implementation of its pipeline for this input.</exception>
    internal IPipelineOverride? Choose(StageSpec stage, PipelineReference reference, int position, Image input)
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

        // auto takes only an override that gives the module's bytes for this item, so that a job's results do not
        // depend on which silo ran it; simd and gpu take one within its stated tolerance.
        PipelineInput[] inputs = [PipelineInput.Image(input)];
        var chosen = reference.Kind == PipelineModuleKind.Npm
            ? Overrides.HighestPriority(reference.ToString(), o => capabilities.Contains(o.Capability) && o.Accepts(inputs) && (wanted is null ? o.IsExact(inputs) : o.Capability == wanted))
            : null;
        if (chosen is not null || wanted is null)
        {
            return chosen;
        }

        var type = input.ImageType;
        throw new StageException(position, $"{stage.Pipeline} has no {wanted} implementation that this silo can run for this item ({type.Dimension}D, {type.Components} × {type.ComponentType} {type.PixelType}; the stage's accelerator is {wanted}); use auto or wasm");
    }
}
