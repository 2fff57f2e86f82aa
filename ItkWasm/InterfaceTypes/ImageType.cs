namespace ItkWasm;

/// <summary>
/// The type of an <see cref="Image"/>: ITK-Wasm's <c>imageType</c> (ITKWASM-SPEC §2.2). Defaults follow Python's
/// <c>itkwasm.ImageType()</c>: 2D, <c>uint8</c>, <c>Scalar</c>, one component.
/// </summary>
/// <param name="Dimension">Number of spatial dimensions, at least 1.</param>
/// <param name="ComponentType">Type of each pixel component.</param>
/// <param name="PixelType">Kind of pixel.</param>
/// <param name="Components">Components per pixel, interleaved in the pixel buffer; at least 1.</param>
public sealed record ImageType(
    int Dimension = 2,
    ComponentType ComponentType = ComponentType.UInt8,
    PixelType PixelType = PixelType.Scalar,
    int Components = 1);
