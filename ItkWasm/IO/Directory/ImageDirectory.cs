using System.Text.Json;

namespace ItkWasm.IO.Directory;

/// <summary>
/// The <c>.iwi/</c> directory form (ITKWASM-SPEC §3.1): <c>index.json</c> (ImageJSON), <c>data/data.raw</c> (pixel
/// buffer) and <c>data/direction.raw</c> (D×D float64 in file order, the transpose of memory order, §3.2).
/// </summary>
internal static class ImageDirectory
{
    private const string DataFile = "data/data.raw";
    private const string DirectionFile = "data/direction.raw";

    /// <summary>Reads the image stored in <paramref name="directory"/>.</summary>
    public static Image Read(string directory)
    {
        using var index = JsonItems.ParseIndex(directory);
        var indexPath = Path.Combine(directory, "index.json");
        var image = JsonItems.Interpret(indexPath, () => ReadIndex(index.RootElement));
        try
        {
            var d = image.ImageType.Dimension;
            using (var direction = RawFiles.Read(directory, DirectionFile, 8L * d * d))
            {
                image.Direction = ImageFileOrder.Transpose(direction.ToArray<double>(), d);
            }

            var expected = JsonItems.Interpret(indexPath, () => image.ByteLength);
            image.Data.Dispose();
            image.Data = RawFiles.Read(directory, DataFile, File.Exists(Path.Combine(directory, DataFile)) ? expected : 0);
            return image;
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Reads the type, geometry and metadata of a directory image (no pixels) from the bytes of its
    /// <c>index.json</c> and <c>data/direction.raw</c>; the caller disposes it.</summary>
    /// <exception cref="ItkWasmFormatException">The index is malformed, or the direction is not D×D float64.</exception>
    public static Image ReadHeader(ReadOnlyMemory<byte> index, ReadOnlySpan<byte> direction, string sourceName)
    {
        using var document = JsonItems.ParseIndex(index, sourceName);
        var image = JsonItems.Interpret(sourceName, () => ReadIndex(document.RootElement));
        var d = image.ImageType.Dimension;
        if (direction.Length != 8L * d * d)
        {
            image.Dispose();
            throw new ItkWasmFormatException(sourceName, $"{DirectionFile} holds {direction.Length} bytes, but the index declares {8L * d * d}");
        }

        var values = new double[d * d];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(direction[(8 * i)..]);
        }

        image.Direction = ImageFileOrder.Transpose(values, d);
        return image;
    }

    /// <summary>Writes <paramref name="image"/> as a directory at <paramref name="directory"/>, atomically.</summary>
    public static void Write(Image image, string directory)
    {
        image.Validate();
        AtomicWrite.Directory(directory, temp =>
        {
            var t = image.ImageType;
            JsonItems.WriteIndex(temp, w =>
            {
                w.WriteStartObject();
                InterfaceTypeJson.Write(w, "imageType", t);
                w.WriteString("name", image.Name);
                w.WriteNumbers(image.Origin, "origin");
                w.WriteNumbers(image.Spacing, "spacing");
                w.WritePathUrl("direction", DirectionFile);
                w.WriteCounts("size", image.Size);
                w.WriteStartObject("bufferedRegion");
                w.WriteCounts("index", []);
                w.WriteCounts("size", []);
                w.WriteEndObject();
                w.WritePathUrl("data", DataFile);
                w.WriteMetadata(image.Metadata);
                w.WriteEndObject();
            });

            RawFiles.Write(temp, DirectionFile, ImageFileOrder.Transpose(image.Direction, t.Dimension));
            if (image.Data.Length > 0)
            {
                RawFiles.Write(temp, DataFile, image.Data);
            }
        });
    }

    private static Image ReadIndex(JsonElement root)
    {
        var type = ImageFileOrder.CheckPlausible(InterfaceTypeJson.ReadImageType(root.Required("imageType")));
        var d = type.Dimension;
        var image = new Image(type)
        {
            Name = root.Optional("name")?.GetText("name") ?? "Image",
            Size = root.Required("size").GetArray("size", JsonItems.GetCount),
            Origin = root.Optional("origin")?.GetArray("origin", JsonItems.GetNumber) ?? new double[d],
            Spacing = root.Optional("spacing")?.GetArray("spacing", JsonItems.GetNumber)
                      ?? Enumerable.Repeat(1.0, d).ToArray(),
        };
        root.Optional("metadata").ReadMetadata(image.Metadata);
        image.Validate();
        return image;
    }
}
