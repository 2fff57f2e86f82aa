using System.Formats.Cbor;

namespace ItkWasm.IO.Cbor;

/// <summary>
/// The <c>.iwm.cbor</c> mesh format, byte layout as written by ITK-Wasm's <c>WasmMeshIO</c> (ITKWASM-SPEC §3.3): a
/// map of <c>meshType</c> (nine entries, in an order that differs from the JSON order), five u64 counts, then the
/// non-empty typed arrays <c>points</c>, <c>cells</c>, <c>pointData</c>, <c>cellData</c>. No name, no metadata.
/// </summary>
internal static class MeshCbor
{
    private static readonly string[] CountKeys =
        ["numberOfPoints", "numberOfPointPixels", "numberOfCells", "numberOfCellPixels", "cellBufferSize"];

    /// <summary>Reads a mesh; any key order, unknown keys skipped, tag numbers not trusted.</summary>
    public static Mesh Read(Stream stream, string sourceName)
    {
        var r = new CborStreamReader(stream, sourceName);
        var entries = r.ReadContainerHead(CborMajorType.Map, "an .iwm.cbor document");
        MeshType? type = null;
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var arrays = new Dictionary<string, DataBuffer>(StringComparer.Ordinal);
        try
        {
            r.ReadMapEntries(entries, key =>
            {
                if (key == "meshType")
                {
                    type = r.Decode(r.CaptureItem(key), key, ReadMeshType);
                }
                else if (CountKeys.Contains(key))
                {
                    counts[key] = r.Decode(r.CaptureItem(key), key, CborItems.ReadCount);
                }
                else if (Shape(type ?? new MeshType(), key) is var (count, _, _))
                {
                    // Checked before allocating when the type and count came first, as ITK-Wasm writes them.
                    var known = type is not null && counts.ContainsKey(count);
                    arrays[key] = r.ReadTypedArray(key, known ? ExpectedLength(type!, counts, key).Expected : null);
                }
                else
                {
                    r.SkipItem(key);
                }
            });

            if (type is null)
            {
                throw r.Error("the mesh has no \"meshType\" entry");
            }

            var mesh = new Mesh(type)
            {
                NumberOfPoints = counts.GetValueOrDefault("numberOfPoints"),
                NumberOfPointPixels = counts.GetValueOrDefault("numberOfPointPixels"),
                NumberOfCells = counts.GetValueOrDefault("numberOfCells"),
                NumberOfCellPixels = counts.GetValueOrDefault("numberOfCellPixels"),
                CellBufferSize = counts.GetValueOrDefault("cellBufferSize"),
            };
            foreach (var key in new[] { "points", "cells", "pointData", "cellData" })
            {
                var (expected, description) = ExpectedLength(type, counts, key);
                var buffer = arrays.Remove(key, out var b) ? b : DataBuffer.Allocate(0);
                Assign(mesh, key, buffer);
                if (buffer.Length != expected)
                {
                    mesh.Dispose();
                    throw r.Error($"{key} holds {buffer.Length} bytes, but {description} needs {expected}");
                }
            }

            return mesh;
        }
        catch (OverflowException e)
        {
            throw r.Error("a count is too large for 64 bits", null, e);
        }
        finally
        {
            foreach (var b in arrays.Values)
            {
                b.Dispose();
            }
        }
    }

    /// <summary>Builds the document for <paramref name="mesh"/>, byte-identical to ITK-Wasm's writer.</summary>
    public static CborDocumentWriter Write(Mesh mesh)
    {
        mesh.Validate();
        var t = mesh.MeshType;
        var arrays = new (string Key, ComponentType Type, DataBuffer Data)[]
        {
            ("points", t.PointComponentType, mesh.Points),
            ("cells", t.CellComponentType, mesh.Cells),
            ("pointData", t.PointPixelComponentType, mesh.PointData),
            ("cellData", t.CellPixelComponentType, mesh.CellData),
        }.Where(a => a.Data.Length > 0).ToArray();
        var doc = new CborDocumentWriter();
        var w = doc.Items;
        doc.WriteMapHead(1 + CountKeys.Length + arrays.Length);
        w.WriteTextString("meshType");
        w.WriteStartMap(9);
        w.WriteTextString("dimension");
        w.WriteUInt32Fixed(t.Dimension);
        w.WriteTextString("pointComponentType");
        w.WriteTextString(t.PointComponentType.ToItkWasmString());
        w.WriteTextString("pointPixelType");
        w.WriteTextString(t.PointPixelType.ToItkWasmString());
        w.WriteTextString("pointPixelComponentType");
        w.WriteTextString(t.PointPixelComponentType.ToItkWasmString());
        w.WriteTextString("pointPixelComponents");
        w.WriteUInt32Fixed(t.PointPixelComponents);
        w.WriteTextString("cellComponentType");
        w.WriteTextString(t.CellComponentType.ToItkWasmString());
        w.WriteTextString("cellPixelType");
        w.WriteTextString(t.CellPixelType.ToItkWasmString());
        w.WriteTextString("cellPixelComponentType");
        w.WriteTextString(t.CellPixelComponentType.ToItkWasmString());
        w.WriteTextString("cellPixelComponents");
        w.WriteUInt32Fixed(t.CellPixelComponents);
        w.WriteEndMap();
        foreach (var (key, value) in new[]
                 {
                     ("numberOfPoints", mesh.NumberOfPoints), ("numberOfPointPixels", mesh.NumberOfPointPixels),
                     ("numberOfCells", mesh.NumberOfCells), ("numberOfCellPixels", mesh.NumberOfCellPixels),
                     ("cellBufferSize", mesh.CellBufferSize),
                 })
        {
            w.WriteTextString(key);
            w.WriteUInt64Fixed(value);
        }

        foreach (var (key, type, data) in arrays)
        {
            doc.WriteTypedArray(key, type, data);
        }

        return doc;
    }

    /// <summary>Returns the count key, components and component type that size the array <paramref name="key"/>, or
    /// null when <paramref name="key"/> is not an array key.</summary>
    private static (string Count, long Components, ComponentType Type)? Shape(MeshType t, string key) => key switch
    {
        "points" => ("numberOfPoints", t.Dimension, t.PointComponentType),
        "cells" => ("cellBufferSize", 1, t.CellComponentType),
        "pointData" => ("numberOfPointPixels", t.PointPixelComponents, t.PointPixelComponentType),
        "cellData" => ("numberOfCellPixels", t.CellPixelComponents, t.CellPixelComponentType),
        _ => null,
    };

    /// <summary>Returns the byte length the counts give the array <paramref name="key"/> (absent counts are 0).</summary>
    private static (long Expected, string Description) ExpectedLength(
        MeshType t, Dictionary<string, long> counts, string key)
    {
        var (count, components, type) = Shape(t, key)!.Value;
        var n = counts.GetValueOrDefault(count);
        return (checked(n * components * type.SizeInBytes()), $"{count} {n} × {components} × {type.ToItkWasmString()}");
    }

    private static void Assign(Mesh mesh, string key, DataBuffer buffer)
    {
        switch (key)
        {
            case "points":
                mesh.Points.Dispose();
                mesh.Points = buffer;
                break;
            case "cells":
                mesh.Cells.Dispose();
                mesh.Cells = buffer;
                break;
            case "pointData":
                mesh.PointData.Dispose();
                mesh.PointData = buffer;
                break;
            default:
                mesh.CellData.Dispose();
                mesh.CellData = buffer;
                break;
        }
    }

    private static MeshType ReadMeshType(CborReader reader)
    {
        var t = new MeshType();
        reader.ReadMap((key, c) =>
        {
            t = key switch
            {
                "dimension" => t with { Dimension = c.ReadSmallCount() },
                "pointComponentType" => t with { PointComponentType = c.ReadComponentType() },
                "pointPixelComponentType" => t with { PointPixelComponentType = c.ReadComponentType() },
                "pointPixelType" => t with { PointPixelType = c.ReadPixelType() },
                "pointPixelComponents" => t with { PointPixelComponents = c.ReadSmallCount() },
                "cellComponentType" => t with { CellComponentType = c.ReadComponentType() },
                "cellPixelComponentType" => t with { CellPixelComponentType = c.ReadComponentType() },
                "cellPixelType" => t with { CellPixelType = c.ReadPixelType() },
                "cellPixelComponents" => t with { CellPixelComponents = c.ReadSmallCount() },
                _ => c.Skip(t),
            };
        });
        return t;
    }
}
