namespace ItkWasm;

/// <summary>
/// A set of points with optional per-point data, ITK-Wasm's <c>PointSet</c> (ITKWASM-SPEC §2.4). Disposing it disposes
/// its buffers.
/// </summary>
public sealed class PointSet : IDisposable
{
    /// <summary>Creates an empty point set of <paramref name="pointSetType"/>.</summary>
    public PointSet(PointSetType pointSetType) =>
        PointSetType = pointSetType ?? throw new ArgumentNullException(nameof(pointSetType));

    /// <summary>Gets or sets the point set type.</summary>
    public PointSetType PointSetType { get; set; }

    /// <summary>Gets or sets the name.</summary>
    public string Name { get; set; } = "PointSet";

    /// <summary>Gets or sets the number of points.</summary>
    public long NumberOfPoints { get; set; }

    /// <summary>Gets or sets the coordinates: <see cref="NumberOfPoints"/> × dimension values, interleaved.</summary>
    public DataBuffer Points { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets or sets the number of point pixels.</summary>
    public long NumberOfPointPixels { get; set; }

    /// <summary>Gets or sets the point data: <see cref="NumberOfPointPixels"/> × point pixel components values.</summary>
    public DataBuffer PointData { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets the metadata dictionary.</summary>
    public OrderedDictionary<string, MetadataValue> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Checks that each buffer's byte length matches its declared count and type.</summary>
    /// <exception cref="InvalidOperationException">Names the first buffer that does not match.</exception>
    public void Validate()
    {
        var t = PointSetType;
        InterfaceBuffers.CheckLength("points", Points, NumberOfPoints, t.Dimension, t.PointComponentType);
        InterfaceBuffers.CheckLength(
            "pointData", PointData, NumberOfPointPixels, t.PointPixelComponents, t.PointPixelComponentType);
    }

    /// <summary>Disposes the buffers.</summary>
    public void Dispose()
    {
        Points.Dispose();
        PointData.Dispose();
    }
}
