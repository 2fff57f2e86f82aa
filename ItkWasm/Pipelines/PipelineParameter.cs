namespace ItkWasm.Pipelines;

/// <summary>One input, output or parameter in a pipeline's <c>--interface-json</c> description (ITKWASM-SPEC §1.9).</summary>
/// <param name="Name">The name, for example <c>shrink-factors</c>.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Type">The CLI11 type name: <c>INPUT_IMAGE</c>, <c>OUTPUT_JSON</c>, <c>UINT</c>, <c>BOOL</c>, …</param>
/// <param name="Required">Whether it must be given (older modules do not say; then false).</param>
/// <param name="ItemsExpected">How many values it takes.</param>
/// <param name="ItemsExpectedMin">The fewest values it takes.</param>
/// <param name="ItemsExpectedMax">The most values it takes (536870912 means unbounded).</param>
/// <param name="Default">The default value as text, if any.</param>
public sealed record PipelineParameter(
    string Name,
    string Description,
    string Type,
    bool Required,
    int ItemsExpected,
    int ItemsExpectedMin,
    int ItemsExpectedMax,
    string? Default)
{
    /// <summary>Gets the interface type when <see cref="Type"/> is an interface type (<c>INPUT_IMAGE</c>, …), else null.</summary>
    public InterfaceType? InterfaceType => PipelineInterface.ToInterfaceType(Type);

    /// <summary>Gets whether this is an interface-typed input.</summary>
    public bool IsInput => Type.StartsWith("INPUT_", StringComparison.Ordinal);

    /// <summary>Gets whether this is an interface-typed output.</summary>
    public bool IsOutput => Type.StartsWith("OUTPUT_", StringComparison.Ordinal);
}
