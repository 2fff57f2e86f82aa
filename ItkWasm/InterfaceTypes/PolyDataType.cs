namespace ItkWasm;

/// <summary>
/// The type of a <see cref="PolyData"/>: ITK-Wasm's <c>polyDataType</c> (ITKWASM-SPEC §2.5). It has no dimension:
/// poly data points are always 3D float32.
/// </summary>
/// <param name="PointPixelComponentType">Type of each point-data component.</param>
/// <param name="PointPixelType">Kind of point pixel.</param>
/// <param name="PointPixelComponents">Components per point pixel.</param>
/// <param name="CellPixelComponentType">Type of each cell-data component.</param>
/// <param name="CellPixelType">Kind of cell pixel.</param>
/// <param name="CellPixelComponents">Components per cell pixel.</param>
public sealed record PolyDataType(
    ComponentType PointPixelComponentType = ComponentType.Float32,
    PixelType PointPixelType = PixelType.Scalar,
    int PointPixelComponents = 1,
    ComponentType CellPixelComponentType = ComponentType.Float32,
    PixelType CellPixelType = PixelType.Scalar,
    int CellPixelComponents = 1);
