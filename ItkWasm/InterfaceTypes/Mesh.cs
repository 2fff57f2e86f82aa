namespace ItkWasm;

/// <summary>
/// An unstructured mesh with ITK-Wasm's <c>Mesh</c> shape (ITKWASM-SPEC §2.3): points, cells, and optional per-point
/// and per-cell data. Disposing the mesh disposes its buffers.
/// </summary>
public sealed class Mesh : IDisposable
{
    /// <summary>Creates an empty mesh of <paramref name="meshType"/>.</summary>
    public Mesh(MeshType meshType) => MeshType = meshType ?? throw new ArgumentNullException(nameof(meshType));

    /// <summary>Gets or sets the mesh type.</summary>
    public MeshType MeshType { get; set; }

    /// <summary>Gets or sets the name (the <c>.iwm</c> formats do not store it).</summary>
    public string Name { get; set; } = "Mesh";

    /// <summary>Gets or sets the number of points.</summary>
    public long NumberOfPoints { get; set; }

    /// <summary>Gets or sets the point coordinates: <see cref="NumberOfPoints"/> × dimension values of
    /// <see cref="MeshType.PointComponentType"/>, interleaved (x0, y0, z0, x1, ...).</summary>
    public DataBuffer Points { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of point pixels.</summary>
    public long NumberOfPointPixels { get; set; }

    /// <summary>Gets or sets the point data: <see cref="NumberOfPointPixels"/> × point pixel components values.</summary>
    public DataBuffer PointData { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of cells.</summary>
    public long NumberOfCells { get; set; }

    /// <summary>Gets or sets the cell buffer: <see cref="CellBufferSize"/> values of
    /// <see cref="MeshType.CellComponentType"/>, per cell <c>[cellType (<see cref="CellGeometry"/>), numberOfPoints,
    /// pointIds...]</c>.</summary>
    public DataBuffer Cells { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of entries in the cell buffer.</summary>
    public long CellBufferSize { get; set; }

    /// <summary>Gets or sets the number of cell pixels.</summary>
    public long NumberOfCellPixels { get; set; }

    /// <summary>Gets or sets the cell data: <see cref="NumberOfCellPixels"/> × cell pixel components values.</summary>
    public DataBuffer CellData { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets the metadata dictionary (carried through pipelines; the <c>.iwm</c> formats do not store it).</summary>
    public OrderedDictionary<string, MetadataValue> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Checks that each buffer's byte length matches its declared count and type.</summary>
    /// <exception cref="InvalidOperationException">Names the first buffer that does not match.</exception>
    public void Validate()
    {
        var t = MeshType;
        InterfaceBuffers.CheckLength("points", Points, NumberOfPoints, t.Dimension, t.PointComponentType);
        InterfaceBuffers.CheckLength("cells", Cells, CellBufferSize, 1, t.CellComponentType);
        InterfaceBuffers.CheckLength(
            "pointData", PointData, NumberOfPointPixels, t.PointPixelComponents, t.PointPixelComponentType);
        InterfaceBuffers.CheckLength(
            "cellData", CellData, NumberOfCellPixels, t.CellPixelComponents, t.CellPixelComponentType);
    }

    /// <summary>Disposes the buffers.</summary>
    public void Dispose()
    {
        Points.Dispose();
        PointData.Dispose();
        Cells.Dispose();
        CellData.Dispose();
    }
}
