using ItkWasm;
using ItkWasm.IO;
using ItkWasmCluster.Silo.Dashboard;
using SkiaSharp;

namespace ItkWasmCluster.Silo.Tests.Dashboard;

/// <summary>The dashboard's thumbnails: the middle slice, the window from the slice's pixel range, the physical aspect
/// ratio, colour images as they are, every component type.</summary>
public sealed class ImagePreviewTests
{
    [Fact]
    public void A3DImage_ShowsItsMiddleSlice_WindowedToTheSlicesRange()
    {
        // 4 × 2 × 3 int16: slice z holds z·1000 + x (so only the middle slice, z = 1, spans 1000..1003).
        using var image = new Image(new ImageType(3, ComponentType.Int16)) { Size = [4, 2, 3], Spacing = [1, 1, 1], Origin = [0, 0, 0], Direction = Image.IdentityDirection(3) };
        image.Data.Dispose();
        image.Data = DataBuffer.Copy<short>([.. Enumerable.Range(0, 24).Select(i => (short)((i / 8 * 1000) + (i % 4)))]);

        using var png = SKBitmap.Decode(ImagePreview.RenderPng(image));

        Assert.Equal((320, 160), (png.Width, png.Height)); // 4 × 2, enlarged to fit 320
        Assert.Equal([0, 85, 170, 255], Enumerable.Range(0, 4).Select(x => (int)png.GetPixel((x * 80) + 40, 80).Red));
        Assert.All(Enumerable.Range(0, 4), x => Assert.Equal(png.GetPixel((x * 80) + 40, 40), png.GetPixel((x * 80) + 40, 120)));
    }

    [Fact]
    public void Spacing_SetsTheAspectRatio()
    {
        using var image = new Image(new ImageType(2, ComponentType.Float32)) { Size = [10, 10], Spacing = [1, 3], Origin = [0, 0], Direction = Image.IdentityDirection(2) };
        image.Data.Dispose();
        image.Data = DataBuffer.Copy<float>([.. Enumerable.Range(0, 100).Select(i => (float)i)]);

        using var png = SKBitmap.Decode(ImagePreview.RenderPng(image));

        Assert.Equal((107, 320), (png.Width, png.Height)); // 10 mm wide, 30 mm tall
    }

    [Fact]
    public void ColourImages_ShowTheirColours_AndEveryComponentTypeRenders()
    {
        using var rgb = ImageFile.Read(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"));
        using var shown = SKBitmap.Decode(ImagePreview.RenderPng(rgb));
        var (x, y) = ((int)rgb.Size[0] / 2, (int)rgb.Size[1] / 2);
        var pixel = rgb.Data.AsSpan(((y * rgb.Size[0]) + x) * 3, 3);
        var rendered = shown.GetPixel((int)((x + 0.5) * shown.Width / rgb.Size[0]), (int)((y + 0.5) * shown.Height / rgb.Size[1]));
        Assert.Equal((pixel[0], pixel[1], pixel[2]), (rendered.Red, rendered.Green, rendered.Blue));

        foreach (var type in Enum.GetValues<ComponentType>())
        {
            using var image = new Image(new ImageType(2, type)) { Size = [3, 1], Spacing = [1, 1], Origin = [0, 0], Direction = Image.IdentityDirection(2) };
            var width = (int)(image.ByteLength / 3);
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            for (var i = 0; i < 3; i++)
            {
                image.Data.AsSpan()[(i * width) + (BitConverter.IsLittleEndian ? 0 : width - 1)] = (byte)(i * 10); // 0, 10, 20 (not a NaN in floats)
            }

            using var png = SKBitmap.Decode(ImagePreview.RenderPng(image));
            Assert.True(png.GetPixel(10, 10).Red < png.GetPixel(310, 10).Red, $"{type}: the lowest value is not darker than the highest");
        }
    }

    [Fact]
    public void AnEmptyImage_IsRefused()
    {
        using var image = new Image(new ImageType(2, ComponentType.UInt8)) { Size = [0, 4] };
        Assert.Contains("no pixels", Assert.Throws<ArgumentException>(() => ImagePreview.RenderPng(image)).Message, StringComparison.Ordinal);
    }
}
