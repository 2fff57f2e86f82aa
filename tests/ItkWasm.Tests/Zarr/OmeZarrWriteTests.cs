using ItkWasm.Zarr;

namespace ItkWasm.Tests.Zarr;

/// <summary>What <see cref="OmeZarrWriter"/> writes, zarrita reads with the same values and OME metadata, and the
/// project reads back as the same image (grid, direction, components).</summary>
public class OmeZarrWriteTests
{
    [Theory]
    [InlineData("0.4", "zstd")]
    [InlineData("0.4", "blosc-zstd")]
    [InlineData("0.4", "none")]
    [InlineData("0.5", "zstd")]
    [InlineData("0.5", "blosc-zstd")]
    [InlineData("0.5", "none")]
    public async Task WrittenImages_ReadInZarritaAndBack_AsTheImage(string ngff, string compressor)
    {
        using var temp = new TempDirectory();
        var format = new OmeZarrFormat(ngff, [8, 5, 3], compressor);
        using var volume = Numbered(new ImageType(3, ComponentType.Int16), [19, 11, 7]);
        volume.Spacing = [0.5, 0.75, 2];
        volume.Origin = [-3, 4.5, 10];
        volume.Direction = [0, -1, 0, 1, 0, 0, 0, 0, 1];
        volume.Metadata["ome.units"] = MetadataValue.FromStringArray(["micrometer", "micrometer", "micrometer"]);
        using var rgb = Numbered(new ImageType(2, ComponentType.UInt8, PixelType.VariableLengthVector, 3), [13, 9]);

        foreach (var (image, name) in new[] { (volume, "volume.ome.zarr"), (rgb, "rgb.ome.zarr") })
        {
            var root = temp.Combine(name);
            await OmeZarrWriter.WriteAsync(image, format, async (key, bytes, ct) =>
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, key))!);
                await File.WriteAllBytesAsync(Path.Combine(root, key), bytes, ct);
            });

            var (array, values) = ZarrWriter.Read(root);
            using var back = await (await OmeZarrImage.OpenAsync(new ZarrFolderStore(root))).ReadAsync();

            var components = (int)image.ImageType.Components;
            long[] shape = components > 1 ? [components, .. image.Size.Reverse()] : [.. image.Size.Reverse()];
            Assert.Equal(shape, array.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
            Assert.Equal(Planar(image), values); // zarrita: channels as planes, C order
            Assert.Equal(image.Data.AsSpan().ToArray(), back.Data.AsSpan().ToArray());
            Assert.Equal(image.ImageType, back.ImageType);
            Assert.Equal(image.Size, back.Size);
            Assert.Equal(image.Spacing, back.Spacing);
            Assert.Equal(image.Origin, back.Origin);
            Assert.Equal(image.Direction, back.Direction); // a rotation, kept as itk.direction
            var attributes = array.GetProperty("attributes");
            var multiscale = (ngff == "0.4" ? attributes : attributes.GetProperty("ome")).GetProperty("multiscales")[0];
            Assert.Equal(ngff, ngff == "0.4" ? multiscale.GetProperty("version").GetString() : attributes.GetProperty("ome").GetProperty("version").GetString());
            var scale = multiscale.GetProperty("datasets")[0].GetProperty("coordinateTransformations")[0].GetProperty("scale").EnumerateArray().Select(e => e.GetDouble());
            Assert.Equal(components > 1 ? [1, .. image.Spacing.Reverse()] : image.Spacing.Reverse(), scale);
        }

        Assert.Equal(["micrometer", "micrometer", "micrometer"], (await OmeZarrImage.OpenAsync(new ZarrFolderStore(temp.Combine("volume.ome.zarr")))).Header.Metadata["ome.units"].AsStringArray());
    }

    private static Image Numbered(ImageType type, long[] size)
    {
        var image = new Image(type) { Size = size };
        image.Data.Dispose();
        image.Data = DataBuffer.Allocate(image.ByteLength);
        var bytes = image.Data.AsSpan();
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((i * 7) + 3);
        }

        return image;
    }

    // The image's values with its components as planes (c, then the pixels in ITK's buffer order).
    private static byte[] Planar(Image image)
    {
        var components = (int)image.ImageType.Components;
        var item = image.ImageType.ComponentType.SizeInBytes();
        var source = image.Data.AsSpan();
        var planar = new byte[source.Length];
        for (var p = 0L; p < image.PixelCount; p++)
        {
            for (var c = 0; c < components; c++)
            {
                source.Slice((int)(((p * components) + c) * item), item).CopyTo(planar.AsSpan((int)(((c * image.PixelCount) + p) * item)));
            }
        }

        return planar;
    }
}
