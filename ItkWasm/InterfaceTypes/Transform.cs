namespace ItkWasm;

/// <summary>
/// One spatial transform, an element of a <see cref="TransformList"/> (ITKWASM-SPEC §2.6). Disposing it disposes
/// <see cref="Parameters"/>.
/// </summary>
public sealed class Transform : IDisposable
{
    /// <summary>Creates a transform of <paramref name="transformType"/> with no parameters.</summary>
    public Transform(TransformType transformType) =>
        TransformType = transformType ?? throw new ArgumentNullException(nameof(transformType));

    /// <summary>Gets or sets the transform type.</summary>
    public TransformType TransformType { get; set; }

    /// <summary>Gets or sets the number of fixed parameters. For a <c>Composite</c> header it is the total over the
    /// components, or 0, and the header itself carries no parameters.</summary>
    public long NumberOfFixedParameters { get; set; }

    /// <summary>Gets or sets the number of parameters (same rule as <see cref="NumberOfFixedParameters"/>).</summary>
    public long NumberOfParameters { get; set; }

    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the name of the input space.</summary>
    public string InputSpaceName { get; set; } = string.Empty;

    /// <summary>Gets or sets the name of the output space.</summary>
    public string OutputSpaceName { get; set; } = string.Empty;

    /// <summary>Gets or sets the fixed parameters (always float64, ITK's <c>FixedParametersValueType</c>), for
    /// example the centre of rotation.</summary>
    public double[] FixedParameters { get; set; } = [];

    /// <summary>Gets or sets the parameters: <see cref="NumberOfParameters"/> values of
    /// <see cref="TransformType.ParametersValueType"/> (a displacement field's can be large).</summary>
    public DataBuffer Parameters { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets the metadata dictionary.</summary>
    public OrderedDictionary<string, MetadataValue> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets whether this is a <c>Composite</c> header entry, which carries no parameter arrays.</summary>
    public bool IsCompositeHeader => TransformType.TransformParameterization == TransformParameterization.Composite;

    /// <summary>Checks the parameter type and that the arrays match the declared counts.</summary>
    /// <exception cref="InvalidOperationException">Names the first inconsistency.</exception>
    public void Validate()
    {
        if (TransformType.ParametersValueType is not (ComponentType.Float32 or ComponentType.Float64))
        {
            throw new InvalidOperationException(
                $"parametersValueType is {TransformType.ParametersValueType.ToItkWasmString()}; "
                + "it must be float32 or float64.");
        }

        if (IsCompositeHeader)
        {
            return;
        }

        if (FixedParameters.Length != NumberOfFixedParameters)
        {
            throw new InvalidOperationException(
                $"{FixedParameters.Length} fixed parameters, but numberOfFixedParameters is {NumberOfFixedParameters}.");
        }

        InterfaceBuffers.CheckLength(
            "parameters", Parameters, NumberOfParameters, 1, TransformType.ParametersValueType);
    }

    /// <summary>Disposes the parameters.</summary>
    public void Dispose() => Parameters.Dispose();
}
