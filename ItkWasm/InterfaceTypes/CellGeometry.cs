namespace ItkWasm;

/// <summary>
/// ITK's <c>CellGeometryEnum</c>: the first entry of each cell in a <see cref="Mesh"/> cell buffer, which is laid out
/// per cell as <c>[cellType, numberOfPoints, pointId0, pointId1, ...]</c> (ITK <c>Mesh::GetCellsArray()</c>).
/// </summary>
public enum CellGeometry
{
    /// <summary>A single point.</summary>
    Vertex = 0,

    /// <summary>A segment between two points.</summary>
    Line = 1,

    /// <summary>A triangle.</summary>
    Triangle = 2,

    /// <summary>A quadrilateral.</summary>
    Quadrilateral = 3,

    /// <summary>A polygon of any number of points.</summary>
    Polygon = 4,

    /// <summary>A tetrahedron.</summary>
    Tetrahedron = 5,

    /// <summary>A hexahedron.</summary>
    Hexahedron = 6,

    /// <summary>A quadratic edge.</summary>
    QuadraticEdge = 7,

    /// <summary>A quadratic triangle.</summary>
    QuadraticTriangle = 8,
}
