namespace ItkWasm;

/// <summary>
/// VTK-style polygonal data, ITK-Wasm's <c>PolyData</c> (ITKWASM-SPEC §2.5): float32 xyz points and four uint32
/// connectivity arrays, each <c>[n, id0, ..., id(n-1)]</c> repeated. Disposing it disposes its buffers.
/// </summary>
public sealed class PolyData : IDisposable
{
    /// <summary>Creates empty poly data of <paramref name="polyDataType"/>.</summary>
    public PolyData(PolyDataType polyDataType) =>
        PolyDataType = polyDataType ?? throw new ArgumentNullException(nameof(polyDataType));

    /// <summary>Gets or sets the poly data type.</summary>
    public PolyDataType PolyDataType { get; set; }

    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = "PolyData";

    /// <summary>Gets or sets the number of points.</summary>
    public long NumberOfPoints { get; set; }

    /// <summary>Gets or sets the points: <see cref="NumberOfPoints"/> × 3 float32, interleaved.</summary>
    public DataBuffer Points { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of uint32 entries in <see cref="Vertices"/>.</summary>
    public long VerticesBufferSize { get; set; }

    /// <summary>Gets or sets the vertices, <c>[1, id, 1, id, ...]</c> (uint32).</summary>
    public DataBuffer Vertices { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of uint32 entries in <see cref="Lines"/>.</summary>
    public long LinesBufferSize { get; set; }

    /// <summary>Gets or sets the polylines (uint32 connectivity).</summary>
    public DataBuffer Lines { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of uint32 entries in <see cref="Polygons"/>.</summary>
    public long PolygonsBufferSize { get; set; }

    /// <summary>Gets or sets the polygons (uint32 connectivity).</summary>
    public DataBuffer Polygons { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of uint32 entries in <see cref="TriangleStrips"/>.</summary>
    public long TriangleStripsBufferSize { get; set; }

    /// <summary>Gets or sets the triangle strips (uint32 connectivity).</summary>
    public DataBuffer TriangleStrips { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of point pixels.</summary>
    public long NumberOfPointPixels { get; set; }

    /// <summary>Gets or sets the point data: <see cref="NumberOfPointPixels"/> × point pixel components values.</summary>
    public DataBuffer PointData { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of cell pixels.</summary>
    public long NumberOfCellPixels { get; set; }

    /// <summary>Gets or sets the cell data: <see cref="NumberOfCellPixels"/> × cell pixel components values.</summary>
    public DataBuffer CellData { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets the metadata dictionary.</summary>
    public OrderedDictionary<string, MetadataValue> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Checks that each buffer's byte length matches its declared count and type.</summary>
    /// <exception cref="InvalidOperationException">Names the first buffer that does not match.</exception>
    public void Validate()
    {
        var t = PolyDataType;
        InterfaceBuffers.CheckLength("points", Points, NumberOfPoints, 3, ComponentType.Float32);
        InterfaceBuffers.CheckLength("vertices", Vertices, VerticesBufferSize, 1, ComponentType.UInt32);
        InterfaceBuffers.CheckLength("lines", Lines, LinesBufferSize, 1, ComponentType.UInt32);
        InterfaceBuffers.CheckLength("polygons", Polygons, PolygonsBufferSize, 1, ComponentType.UInt32);
        InterfaceBuffers.CheckLength(
            "triangleStrips", TriangleStrips, TriangleStripsBufferSize, 1, ComponentType.UInt32);
        InterfaceBuffers.CheckLength(
            "pointData", PointData, NumberOfPointPixels, t.PointPixelComponents, t.PointPixelComponentType);
        InterfaceBuffers.CheckLength(
            "cellData", CellData, NumberOfCellPixels, t.CellPixelComponents, t.CellPixelComponentType);
    }

    /// <summary>Disposes the buffers.</summary>
    public void Dispose()
    {
        foreach (var b in new[] { Points, Vertices, Lines, Polygons, TriangleStrips, PointData, CellData })
        {
            b.Dispose();
        }
    }
}
