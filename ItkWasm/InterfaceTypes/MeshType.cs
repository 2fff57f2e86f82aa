namespace ItkWasm;

/// <summary>
/// The type of a <see cref="Mesh"/>: ITK-Wasm's <c>meshType</c> (ITKWASM-SPEC §2.3). Defaults follow Python's
/// <c>itkwasm.MeshType()</c>.
/// </summary>
/// <param name="Dimension">Number of coordinates per point.</param>
/// <param name="PointComponentType">Type of each coordinate (<c>float32</c> or <c>float64</c>).</param>
/// <param name="PointPixelComponentType">Type of each point-data component.</param>
/// <param name="PointPixelType">Kind of point pixel.</param>
/// <param name="PointPixelComponents">Components per point pixel (0 when there is no point data).</param>
/// <param name="CellComponentType">Integer type of the cell buffer entries.</param>
/// <param name="CellPixelComponentType">Type of each cell-data component.</param>
/// <param name="CellPixelType">Kind of cell pixel.</param>
/// <param name="CellPixelComponents">Components per cell pixel (0 when there is no cell data).</param>
public sealed record MeshType(
    int Dimension = 3,
    ComponentType PointComponentType = ComponentType.Float32,
    ComponentType PointPixelComponentType = ComponentType.Float32,
    PixelType PointPixelType = PixelType.Scalar,
    int PointPixelComponents = 1,
    ComponentType CellComponentType = ComponentType.Int32,
    ComponentType CellPixelComponentType = ComponentType.Float32,
    PixelType CellPixelType = PixelType.Scalar,
    int CellPixelComponents = 1);
