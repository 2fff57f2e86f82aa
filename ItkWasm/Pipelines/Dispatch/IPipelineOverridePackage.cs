namespace ItkWasm.Pipelines.Dispatch;

/// <summary>
/// A package of overrides (<see cref="IPipelineOverride"/>) that a host plugs in, as ITK-Wasm's Python packages plug in
/// through entry points: it says what the machine offers its overrides (a GPU it found), which functions it has
/// overrides of for a capability, and registers the overrides that machine can run. Hosts list packages; nothing
/// generic references one.
/// </summary>
public interface IPipelineOverridePackage
{
    /// <summary>Returns the capabilities this machine offers the package's overrides beyond <c>simd</c> (for example
    /// <c>gpu</c> when a device is found), given those the host's configuration asks for.</summary>
    /// <exception cref="InvalidOperationException">The configuration asks for a capability the package handles that
    /// this machine lacks (<c>gpu</c> without a device); the message says what is missing.</exception>
    IReadOnlyList<string> DetectCapabilities(IReadOnlyCollection<string> configured);

    /// <summary>Returns the functions (<c>@scope/package:pipeline</c>) the package has an override of that needs
    /// <paramref name="capability"/>, whether or not this machine offers it.</summary>
    IReadOnlySet<string> FunctionsNeeding(string capability);

    /// <summary>Registers, at their default priorities, the overrides a machine offering
    /// <paramref name="capabilities"/> can run.</summary>
    void Register(PipelineOverrides registry, IReadOnlyCollection<string> capabilities);
}
