using System.Numerics;
using ItkWasm;
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

    /// <summary>Returns the capabilities this machine offers: <c>simd</c> when .NET's vector instructions are
    /// hardware-accelerated; <c>gpu</c> when ILGPU finds a CUDA or OpenCL device (<see cref="GpuDevice.Current"/>),
    /// or when <paramref name="configured"/> asks for it and its CPU accelerator is allowed to stand in
    /// (<see cref="GpuDevice.CpuVariable"/>, for tests); and the rest of <paramref name="configured"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="configured"/> asks for <c>gpu</c> and there is no
    /// device.</exception>
    public static IReadOnlyList<string> Detect(IEnumerable<string>? configured = null)
    {
        var asked = (configured ?? []).ToList();
        var offered = asked.Where(c => c != PipelineCapabilities.Gpu).ToList();
        if (Vector.IsHardwareAccelerated)
        {
            offered.Add(PipelineCapabilities.Simd);
        }

        var askedGpu = asked.Contains(PipelineCapabilities.Gpu);
        var device = askedGpu || Environment.GetEnvironmentVariable(GpuDevice.CpuVariable) is null ? GpuDevice.Current : null;
        if (askedGpu && device is null)
        {
            throw new InvalidOperationException($"the gpu capability needs a device, and ILGPU found no CUDA or OpenCL one (for tests, {GpuDevice.CpuVariable}=cpu lets its CPU accelerator stand in)");
        }

        if (device is not null && (askedGpu || device.Implementation != "gpu:cpu"))
        {
            offered.Add(PipelineCapabilities.Gpu);
        }

        return [.. offered.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The environment variable with priorities for the bundled overrides, in the form
    /// <see cref="PipelineOverrides.Configure"/> takes: <c>FUNCTION=IMPLEMENTATION:PRIORITY[,...][;...]</c>.</summary>
    public const string PrioritiesVariable = "ITKWASM_OVERRIDE_PRIORITIES";

    /// <summary>Returns the bundled overrides (<see cref="DownsampleOverrides"/>) on a silo offering
    /// <paramref name="capabilities"/>: the GPU ones on <see cref="GpuDevice.Current"/> when they include <c>gpu</c>,
    /// at the priorities <paramref name="priorities"/> sets (default: <see cref="PrioritiesVariable"/>).</summary>
    /// <exception cref="InvalidOperationException">The priorities do not parse, or name an override that is not
    /// registered on this machine; the message quotes the setting.</exception>
    public static StageImplementations Bundled(IReadOnlyCollection<string> capabilities, string? priorities = null)
    {
        ArgumentNullException.ThrowIfNull(capabilities);
        var gpu = capabilities.Contains(PipelineCapabilities.Gpu) ? GpuDevice.Current : null;
        var registry = DownsampleOverrides.Register(new PipelineOverrides(), gpu);
        try
        {
            registry.Configure(priorities ?? Environment.GetEnvironmentVariable(PrioritiesVariable) ?? string.Empty);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"{PrioritiesVariable}: {e.Message}", e);
        }

        return new(registry, capabilities);
    }

    /// <summary>Gets whether a stage should run where there is a GPU: it asks for one, or it lets the silo choose and
    /// its pipeline has a bundled GPU override (<see cref="DownsampleOverrides.GpuFunctions"/>).</summary>
    public static bool WantsGpu(StageSpec stage)
    {
        ArgumentNullException.ThrowIfNull(stage);
        return stage.Accelerator == StageAccelerator.Gpu
               || (stage.Accelerator == StageAccelerator.Auto && DownsampleOverrides.GpuFunctions.Contains(stage.Pipeline));
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
