using ItkWasm;
using SkiaSharp;

namespace ItkWasmCluster.Silo.Dashboard;

/// <summary>
/// Renders an ITK-Wasm <see cref="Image"/> as a PNG thumbnail with SkiaSharp: the middle slice of a 3D (or higher)
/// image, in the plane of its first two axes (x to the right, y down, as ITK-Wasm's viewers show index space); its
/// physical aspect ratio (the spacing) kept; at most <see cref="MaxSide"/> pixels a side. RGB and RGBA images of 8-bit
/// components are shown as they are; every other image shows its first component in gray, with the window set to the
/// slice's pixel range (minimum black, maximum white; NaN black).
/// </summary>
internal static class ImagePreview
{
    /// <summary>The longest side of a thumbnail, in pixels.</summary>
    public const int MaxSide = 320;

    /// <summary>Renders <paramref name="image"/>; the caller keeps owning it.</summary>
    /// <returns>The PNG's bytes.</returns>
    /// <exception cref="ArgumentException">The image has no pixels.</exception>
    public static byte[] RenderPng(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.PixelCount == 0)
        {
            throw new ArgumentException("the image has no pixels", nameof(image));
        }

        var width = checked((int)image.Size[0]);
        var height = image.Size.Length > 1 ? checked((int)image.Size[1]) : 1;
        var slice = MiddleSliceOffset(image.Size);
        using var source = Slice(image, width, height, slice);
        var aspect = image.Spacing.Length > 1 && image.Spacing[0] > 0 && image.Spacing[1] > 0 ? image.Spacing[1] / image.Spacing[0] : 1;
        var (w, h) = Fit(width, height * aspect);
        using var target = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            using var picture = SKImage.FromBitmap(source);

            // Enlarging keeps pixels square and sharp; shrinking averages (mipmaps).
            var sampling = w >= width ? new SKSamplingOptions(SKFilterMode.Nearest) : new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear);
            canvas.DrawImage(picture, new SKRect(0, 0, w, h), sampling);
        }

        using var png = target.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    // The first pixel of the middle slice: the middle index of every axis after the first two.
    private static long MiddleSliceOffset(long[] size)
    {
        long offset = 0, stride = size[0] * (size.Length > 1 ? size[1] : 1);
        for (var axis = 2; axis < size.Length; axis++)
        {
            offset += size[axis] / 2 * stride;
            stride *= size[axis];
        }

        return offset;
    }

    private static (int Width, int Height) Fit(double width, double height)
    {
        var scale = MaxSide / Math.Max(width, height);
        return (Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
    }

    private static SKBitmap Slice(Image image, int width, int height, long first)
    {
        var type = image.ImageType;
        var components = Math.Max(1, type.Components);
        var count = width * height;
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = bitmap.GetPixelSpan();
        if (type is { ComponentType: ComponentType.UInt8, PixelType: PixelType.RGB or PixelType.RGBA } && components is 3 or 4)
        {
            var data = image.Data.AsSpan(first * components, count * components);
            for (var i = 0; i < count; i++)
            {
                var p = data.Slice(i * components, components);
                (pixels[4 * i], pixels[(4 * i) + 1], pixels[(4 * i) + 2], pixels[(4 * i) + 3]) = (p[0], p[1], p[2], components == 4 ? p[3] : (byte)255);
            }

            return bitmap;
        }

        var values = new double[count];
        var (min, max) = (double.PositiveInfinity, double.NegativeInfinity);
        for (var i = 0; i < count; i++)
        {
            var v = Component(image, type.ComponentType, ((first + i) * components));
            values[i] = v;
            if (!double.IsNaN(v))
            {
                (min, max) = (Math.Min(min, v), Math.Max(max, v));
            }
        }

        var range = max > min ? max - min : 1;
        for (var i = 0; i < count; i++)
        {
            var gray = double.IsNaN(values[i]) || double.IsInfinity(min) ? (byte)0 : (byte)Math.Clamp(Math.Round((values[i] - min) / range * 255), 0, 255);
            (pixels[4 * i], pixels[(4 * i) + 1], pixels[(4 * i) + 2], pixels[(4 * i) + 3]) = (gray, gray, gray, 255);
        }

        return bitmap;
    }

    // The component at element index `element` of the pixel buffer, as a double.
    private static double Component(Image image, ComponentType type, long element) => type switch
    {
        ComponentType.Int8 => image.Data.AsSpan<sbyte>(element, 1)[0],
        ComponentType.UInt8 => image.Data.AsSpan<byte>(element, 1)[0],
        ComponentType.Int16 => image.Data.AsSpan<short>(element, 1)[0],
        ComponentType.UInt16 => image.Data.AsSpan<ushort>(element, 1)[0],
        ComponentType.Int32 => image.Data.AsSpan<int>(element, 1)[0],
        ComponentType.UInt32 => image.Data.AsSpan<uint>(element, 1)[0],
        ComponentType.Int64 => image.Data.AsSpan<long>(element, 1)[0],
        ComponentType.UInt64 => image.Data.AsSpan<ulong>(element, 1)[0],
        ComponentType.Float32 => image.Data.AsSpan<float>(element, 1)[0],
        ComponentType.Float64 => image.Data.AsSpan<double>(element, 1)[0],
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a component type"),
    };
}
