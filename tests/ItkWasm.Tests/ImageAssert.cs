namespace ItkWasm.Tests;

/// <summary>Field-by-field equality of interface types, with messages that name the field.</summary>
public static class ImageAssert
{
    public static void Equal(Image expected, Image actual)
    {
        SameGeometry(expected, actual);
        Assert.Equal(expected.Metadata.ToArray(), actual.Metadata.ToArray());
        Assert.True(expected.Data.ContentEquals(actual.Data), "pixel buffers differ");
    }

    /// <summary>Same type, size, spacing, origin and direction; pixels compared by the caller.</summary>
    public static void SameGeometry(Image expected, Image actual)
    {
        Assert.Equal(expected.ImageType, actual.ImageType);
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Spacing, actual.Spacing);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.Direction, actual.Direction);
    }

    public static void Equal(Mesh expected, Mesh actual)
    {
        Assert.Equal(expected.MeshType, actual.MeshType);
        Assert.Equal(
            (expected.NumberOfPoints, expected.NumberOfPointPixels, expected.NumberOfCells, expected.NumberOfCellPixels, expected.CellBufferSize),
            (actual.NumberOfPoints, actual.NumberOfPointPixels, actual.NumberOfCells, actual.NumberOfCellPixels, actual.CellBufferSize));
        Assert.True(expected.Points.ContentEquals(actual.Points), "points differ");
        Assert.True(expected.Cells.ContentEquals(actual.Cells), "cells differ");
        Assert.True(expected.PointData.ContentEquals(actual.PointData), "point data differ");
        Assert.True(expected.CellData.ContentEquals(actual.CellData), "cell data differ");
    }

    public static void Equal(TransformList expected, TransformList actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal(e.TransformType, a.TransformType);
            Assert.Equal((e.NumberOfFixedParameters, e.NumberOfParameters), (a.NumberOfFixedParameters, a.NumberOfParameters));
            Assert.Equal((e.Name, e.InputSpaceName, e.OutputSpaceName), (a.Name, a.InputSpaceName, a.OutputSpaceName));
            Assert.Equal(e.FixedParameters, a.FixedParameters);
            Assert.True(e.Parameters.ContentEquals(a.Parameters), $"transform {i} parameters differ");
        }
    }
}
