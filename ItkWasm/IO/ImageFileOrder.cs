namespace ItkWasm.IO;

/// <summary>Rules the image file formats share: the direction's file order and the limits checked on read.</summary>
internal static class ImageFileOrder
{
    /// <summary>Largest image dimension accepted on read; ITK itself is compiled for far fewer.</summary>
    public const int MaxDimension = 64;

    /// <summary>
    /// Transposes a D×D matrix. Files hold the direction column-major (ITK-Wasm's writers store
    /// <c>GetDirection(i)</c>, column i, one after another), memory holds it row-major (ITKWASM-SPEC §3.2), so the same
    /// transpose converts either way.
    /// </summary>
    public static double[] Transpose(IReadOnlyList<double> matrix, int dimension)
    {
        var t = new double[dimension * dimension];
        for (var r = 0; r < dimension; r++)
        {
            for (var c = 0; c < dimension; c++)
            {
                t[(c * dimension) + r] = matrix[(r * dimension) + c];
            }
        }

        return t;
    }

    /// <summary>Throws a <see cref="FormatException"/> unless the type's dimension is 1 to <see cref="MaxDimension"/>
    /// and it has at least one component; checked before any array sized by the dimension is allocated.</summary>
    public static ImageType CheckPlausible(ImageType type) =>
        type.Dimension is >= 1 and <= MaxDimension && type.Components >= 1
            ? type
            : throw new FormatException(
                $"imageType has dimension {type.Dimension} and {type.Components} components; "
                + $"the dimension must be 1 to {MaxDimension} and components at least 1");
}
