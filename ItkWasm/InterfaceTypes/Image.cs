namespace ItkWasm;

/// <summary>
/// An N-dimensional image with ITK-Wasm's <c>Image</c> shape (ITKWASM-SPEC §2.2): geometry, metadata and a pixel
/// buffer. Disposing the image disposes its <see cref="Data"/>.
/// </summary>
public sealed class Image : IDisposable
{
    /// <summary>Creates an image of <paramref name="imageType"/> with size 1 along every axis, unit spacing, zero origin,
    /// identity direction, no metadata and an empty pixel buffer.</summary>
    public Image(ImageType imageType)
    {
        ImageType = imageType ?? throw new ArgumentNullException(nameof(imageType));
        var d = imageType.Dimension;
        Origin = new double[d];
        Spacing = Enumerable.Repeat(1.0, d).ToArray();
        Direction = IdentityDirection(d);
        Size = Enumerable.Repeat(1L, d).ToArray();
    }

    /// <summary>Gets or sets the image type.</summary>
    public ImageType ImageType { get; set; }

    /// <summary>Gets or sets the name (ITK-Wasm's default is <c>"Image"</c>; the <c>.iwi.cbor</c> format does not
    /// store it).</summary>
    public string Name { get; set; } = "Image";

    /// <summary>Gets or sets the physical position of the first pixel, one value per dimension (ITK's origin).</summary>
    public double[] Origin { get; set; }

    /// <summary>Gets or sets the distance between pixel centres along each axis, in physical units.</summary>
    public double[] Spacing { get; set; }

    /// <summary>
    /// Gets or sets the direction matrix, D×D, in ITK-Wasm's memory order: row-major, element <c>[r * D + c]</c> is
    /// ITK's <c>Direction[r][c]</c>, so the columns are the axes' direction cosines. Files store the transpose
    /// (ITKWASM-SPEC §3.2); the readers and writers convert.
    /// </summary>
    public double[] Direction { get; set; }

    /// <summary>Gets or sets the number of pixels along each axis (x first).</summary>
    public long[] Size { get; set; }

    /// <summary>Gets the metadata dictionary, in file order (ITK writes it sorted by key).</summary>
    public OrderedDictionary<string, MetadataValue> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Gets or sets the pixel buffer: x varies fastest (C order with shape <c>[..., z, y, x]</c>), components
    /// interleaved, little-endian, <see cref="ByteLength"/> bytes. The image owns it. An empty buffer means the image
    /// carries geometry only.
    /// </summary>
    public DataBuffer Data { get; set; } = DataBuffer.Allocate(0);

    /// <summary>Gets the number of pixels: the product of <see cref="Size"/>.</summary>
    /// <exception cref="OverflowException">The product does not fit in 64 bits.</exception>
    public long PixelCount => Size.Aggregate(1L, (p, s) => checked(p * s));

    /// <summary>Gets the byte length a full pixel buffer of this type and size has.</summary>
    /// <exception cref="OverflowException">The length does not fit in 64 bits.</exception>
    public long ByteLength =>
        checked(PixelCount * ImageType.Components * ImageType.ComponentType.SizeInBytes());

    /// <summary>Returns the D×D identity matrix, row-major.</summary>
    public static double[] IdentityDirection(int dimension)
    {
        var m = new double[dimension * dimension];
        for (var i = 0; i < dimension; i++)
        {
            m[(i * dimension) + i] = 1.0;
        }

        return m;
    }

    /// <summary>Checks that the geometry arrays match the dimension and the pixel buffer matches the size.</summary>
    /// <exception cref="InvalidOperationException">Names the first inconsistency found.</exception>
    public void Validate()
    {
        var d = ImageType.Dimension;
        if (d < 1 || ImageType.Components < 1)
        {
            throw new InvalidOperationException(
                $"imageType has dimension {d} and {ImageType.Components} components; both must be at least 1.");
        }

        if (Origin.Length != d || Spacing.Length != d || Size.Length != d || Direction.Length != d * d)
        {
            throw new InvalidOperationException(
                $"A {d}D image needs {d} origin, spacing and size values and {d * d} direction values; it has "
                + $"{Origin.Length}, {Spacing.Length}, {Size.Length} and {Direction.Length}.");
        }

        if (Size.Any(s => s < 0))
        {
            throw new InvalidOperationException($"size [{string.Join(", ", Size)}] has a negative entry.");
        }

        if (Data.Length != 0 && Data.Length != ByteLength)
        {
            throw new InvalidOperationException(
                $"The pixel buffer holds {Data.Length} bytes, but size [{string.Join(", ", Size)}] × "
                + $"{ImageType.Components} × {ImageType.ComponentType.ToItkWasmString()} needs {ByteLength}.");
        }
    }

    /// <summary>Disposes the pixel buffer.</summary>
    public void Dispose() => Data.Dispose();
}
