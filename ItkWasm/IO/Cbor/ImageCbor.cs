namespace ItkWasm.IO.Cbor;

/// <summary>
/// The <c>.iwi.cbor</c> image format: a CBOR map with byte layout as written by ITK-Wasm's
/// <c>WasmImageIO::WriteCBOR</c> (ITKWASM-SPEC §3.3): <c>imageType</c>, <c>origin</c>, <c>spacing</c>,
/// <c>direction</c> (file order, the transpose of memory order, §3.2), <c>size</c>, <c>metadata</c>, <c>data</c>.
/// </summary>
internal static class ImageCbor
{
    /// <summary>Reads an image; any key order, unknown keys skipped, tag numbers not trusted, floats of any width.</summary>
    public static Image Read(Stream stream, string sourceName) => Read(stream, sourceName, long.MaxValue);

    /// <summary>Reads an image whose pixel buffer holds at most <paramref name="maxDataBytes"/> bytes.</summary>
    public static Image Read(Stream stream, string sourceName, long maxDataBytes) => Read(stream, sourceName, maxDataBytes, out _);

    /// <summary>Reads an image's header without its pixels, and where in the document its pixel bytes lie (-1 when it
    /// has none). The pixels are passed over: a seek when the stream can seek.</summary>
    public static Image ReadHeader(Stream stream, string sourceName, out long dataOffset) => Read(stream, sourceName, -1, out dataOffset);

    // maxDataBytes < 0: the header only, with the pixels' offset.
    private static Image Read(Stream stream, string sourceName, long maxDataBytes, out long dataOffset)
    {
        dataOffset = -1;
        var at = -1L;
        var r = new CborStreamReader(stream, sourceName, maxDataBytes < 0 ? long.MaxValue : maxDataBytes);
        var entries = r.ReadContainerHead(CborMajorType.Map, "an .iwi.cbor document");
        ImageType? type = null;
        double[]? origin = null, spacing = null;
        long[]? size = null;
        DataBuffer? direction = null, data = null;
        var metadata = new OrderedDictionary<string, MetadataValue>(StringComparer.Ordinal);
        long sizeOffset = 0;
        try
        {
            r.ReadMapEntries(entries, key =>
            {
                var offset = r.Position;
                switch (key)
                {
                    case "imageType":
                        type = r.Decode(r.CaptureItem(key), key, c => ImageFileOrder.CheckPlausible(ReadImageType(c)));
                        break;
                    case "origin":
                        origin = r.Decode(r.CaptureItem(key), key, CborItems.ReadNumberArray);
                        break;
                    case "spacing":
                        spacing = r.Decode(r.CaptureItem(key), key, CborItems.ReadNumberArray);
                        break;
                    case "size":
                        sizeOffset = offset;
                        size = r.Decode(r.CaptureItem(key), key, CborItems.ReadCountArray);
                        break;
                    case "metadata":
                        r.Decode(r.CaptureItem(key), key, c => c.ReadMetadata(metadata));
                        break;
                    case "direction":
                        direction = r.ReadTypedArray(key, type is null ? null : 8L * type.Dimension * type.Dimension);
                        break;
                    case "data" when maxDataBytes < 0:
                        at = r.SkipTypedArray(key, ExpectedDataLength(r, type, size, sizeOffset)).Offset;
                        break;
                    case "data":
                        data = r.ReadTypedArray(key, ExpectedDataLength(r, type, size, sizeOffset));
                        break;
                    default:
                        r.SkipItem(key);
                        break;
                }
            });

            var image = Assemble(r, type, origin, spacing, size, sizeOffset, ref direction, ref data, metadata);
            dataOffset = at;
            return image;
        }
        finally
        {
            direction?.Dispose();
            data?.Dispose();
        }
    }

    /// <summary>Builds the document for <paramref name="image"/>, byte-identical to ITK-Wasm's writer.</summary>
    public static CborDocumentWriter Write(Image image)
    {
        image.Validate();
        return Write(image, headerOnly: false);
    }

    /// <summary>Returns the bytes of <paramref name="image"/>'s document that come before its pixel bytes, as
    /// <see cref="Write(Image)"/> writes them for a full pixel buffer (<see cref="Image.ByteLength"/> bytes); the image
    /// needs no pixels.</summary>
    public static byte[] WriteHeader(Image image)
    {
        var doc = Write(image, headerOnly: true);
        using var bytes = new MemoryStream((int)doc.Length);
        doc.WriteTo(bytes);
        return bytes.ToArray();
    }

    private static CborDocumentWriter Write(Image image, bool headerOnly)
    {
        var t = image.ImageType;
        var doc = new CborDocumentWriter();
        var w = doc.Items;
        doc.WriteMapHead(headerOnly ? (image.ByteLength > 0 ? 7 : 6) : (image.Data.Length > 0 ? 7 : 6));
        w.WriteTextString("imageType");
        w.WriteStartMap(4);
        w.WriteTextString("dimension");
        w.WriteUInt32Fixed(t.Dimension);
        w.WriteTextString("componentType");
        w.WriteTextString(t.ComponentType.ToItkWasmString());
        w.WriteTextString("pixelType");
        w.WriteTextString(t.PixelType.ToItkWasmString());
        w.WriteTextString("components");
        w.WriteUInt32Fixed(t.Components);
        w.WriteEndMap();
        w.WriteTextString("origin");
        w.WriteDoubleArray(image.Origin);
        w.WriteTextString("spacing");
        w.WriteDoubleArray(image.Spacing);
        doc.WriteTypedArray("direction", ImageFileOrder.Transpose(image.Direction, t.Dimension));
        w.WriteTextString("size");
        w.WriteCountArray(image.Size);
        w.WriteTextString("metadata");
        w.WriteMetadata(image.Metadata);
        if (headerOnly && image.ByteLength > 0)
        {
            doc.WriteTypedArrayHead("data", t.ComponentType, image.ByteLength);
        }
        else if (!headerOnly && image.Data.Length > 0)
        {
            doc.WriteTypedArray("data", t.ComponentType, image.Data);
        }

        return doc;
    }

    private static Image Assemble(
        CborStreamReader r,
        ImageType? type,
        double[]? origin,
        double[]? spacing,
        long[]? size,
        long sizeOffset,
        ref DataBuffer? direction,
        ref DataBuffer? data,
        OrderedDictionary<string, MetadataValue> metadata)
    {
        if (type is null || size is null)
        {
            throw r.Error($"the image has no \"{(type is null ? "imageType" : "size")}\" entry");
        }

        var d = type.Dimension;
        if (size.Length != d || (origin is not null && origin.Length != d) || (spacing is not null && spacing.Length != d))
        {
            throw r.Error(
                $"a {d}D image needs {d} size, origin and spacing values; it has {size.Length}, "
                + $"{origin?.Length.ToString() ?? "no"} and {spacing?.Length.ToString() ?? "no"}");
        }

        if (direction is not null && direction.Length != 8L * d * d)
        {
            throw r.Error($"direction holds {direction.Length} bytes, but a {d}D image needs {8 * d * d}");
        }

        var expected = ExpectedDataLength(r, type, size, sizeOffset);
        if (data is not null && data.Length != expected)
        {
            throw r.Error(
                $"data holds {data.Length} bytes, but size [{string.Join(", ", size)}] × {type.Components} × "
                + $"{type.ComponentType.ToItkWasmString()} needs {expected}");
        }

        var image = new Image(type)
        {
            Origin = origin ?? new double[d],
            Spacing = spacing ?? Enumerable.Repeat(1.0, d).ToArray(),
            Direction = direction is null ? Image.IdentityDirection(d) : ImageFileOrder.Transpose(direction.ToArray<double>(), d),
            Size = size,
        };
        foreach (var (k, v) in metadata)
        {
            image.Metadata[k] = v;
        }

        if (data is not null)
        {
            image.Data.Dispose();
            image.Data = data;
            data = null;
        }

        return image;
    }

    private static long? ExpectedDataLength(CborStreamReader r, ImageType? type, long[]? size, long sizeOffset)
    {
        if (type is null || size is null)
        {
            return null;
        }

        try
        {
            return checked(size.Aggregate(1L, (p, s) => p * s) * type.Components * type.ComponentType.SizeInBytes());
        }
        catch (OverflowException e)
        {
            throw r.Error($"size [{string.Join(", ", size)}] declares more pixels than 64 bits can count", sizeOffset, e);
        }
    }

    private static ImageType ReadImageType(System.Formats.Cbor.CborReader reader)
    {
        var type = new ImageType();
        reader.ReadMap((key, c) =>
        {
            type = key switch
            {
                "dimension" => type with { Dimension = c.ReadSmallCount() },
                "componentType" => type with { ComponentType = c.ReadComponentType() },
                "pixelType" => type with { PixelType = c.ReadPixelType() },
                "components" => type with { Components = c.ReadSmallCount() },
                _ => c.Skip(type),
            };
        });
        return type;
    }
}
