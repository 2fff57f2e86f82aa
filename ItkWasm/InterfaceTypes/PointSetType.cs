namespace ItkWasm;

/// <summary>The type of a <see cref="PointSet"/>: ITK-Wasm's <c>pointSetType</c> (ITKWASM-SPEC §2.4).</summary>
/// <param name="Dimension">Number of coordinates per point.</param>
/// <param name="PointComponentType">Type of each coordinate (<c>float32</c> or <c>float64</c>).</param>
/// <param name="PointPixelComponentType">Type of each point-data component.</param>
/// <param name="PointPixelType">Kind of point pixel.</param>
/// <param name="PointPixelComponents">Components per point pixel.</param>
public sealed record PointSetType(
    int Dimension = 3,
    ComponentType PointComponentType = ComponentType.Float32,
    ComponentType PointPixelComponentType = ComponentType.Float32,
    PixelType PointPixelType = PixelType.Scalar,
    int PointPixelComponents = 1);
