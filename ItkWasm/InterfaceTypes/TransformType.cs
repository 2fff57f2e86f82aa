namespace ItkWasm;

/// <summary>The type of a <see cref="Transform"/>: ITK-Wasm's <c>transformType</c> (ITKWASM-SPEC §2.6).</summary>
/// <param name="TransformParameterization">The ITK transform class.</param>
/// <param name="ParametersValueType">Type of the parameters: <c>float32</c> or <c>float64</c> only.</param>
/// <param name="InputDimension">Dimension of the input space.</param>
/// <param name="OutputDimension">Dimension of the output space.</param>
public sealed record TransformType(
    TransformParameterization TransformParameterization,
    ComponentType ParametersValueType = ComponentType.Float64,
    int InputDimension = 3,
    int OutputDimension = 3);
