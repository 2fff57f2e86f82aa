using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ItkWasm.IO.Directory;
using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.MemoryIo;

/// <summary>The arrays of one output, taken in sub-index order; an array the pipeline did not register is empty.</summary>
internal interface IOutputArrays
{
    /// <summary>Takes the next array into native memory; the caller owns the buffer.</summary>
    DataBuffer NextBuffer();

    /// <summary>Takes the next array as managed bytes (for small arrays: directions, fixed parameters, streams).</summary>
    byte[] NextBytes();
}

/// <summary>
/// Builds an output object from its JSON document and its arrays, as ITK-Wasm's hosts read outputs (ITKWASM-SPEC
/// §1.7): the JSON gives the type and counts, the arrays come in sub-index order. Both runtimes use it.
/// </summary>
internal static class MemoryIoOutput
{
    /// <summary>Returns, for a data-object output, which sub-indices the pipeline registered: those whose count in the
    /// JSON is positive (images always have both). The others read as empty.</summary>
    public static bool[] PresentArrays(InterfaceType type, JsonElement json) => type switch
    {
        InterfaceType.Image => [true, true],
        InterfaceType.Mesh => [Count(json, "numberOfPoints") > 0, Count(json, "numberOfCells") > 0,
            Count(json, "numberOfPointPixels") > 0, Count(json, "numberOfCellPixels") > 0],
        InterfaceType.PointSet => [Count(json, "numberOfPoints") > 0, Count(json, "numberOfPointPixels") > 0],
        InterfaceType.PolyData => [Count(json, "numberOfPoints") > 0, Count(json, "verticesBufferSize") > 0,
            Count(json, "linesBufferSize") > 0, Count(json, "polygonsBufferSize") > 0, Count(json, "triangleStripsBufferSize") > 0,
            Count(json, "numberOfPointPixels") > 0, Count(json, "numberOfCellPixels") > 0],
        InterfaceType.TransformList => json.EnumerateArray()
            .Where(t => InterfaceTypeJson.ReadTransformType(t.GetProperty("transformType")).TransformParameterization != TransformParameterization.Composite)
            .SelectMany(t => new[] { Count(t, "numberOfFixedParameters") > 0, Count(t, "numberOfParameters") > 0 })
            .ToArray(),
        _ => [],
    };

    /// <summary>Builds output <paramref name="requested"/> from its JSON (default for streams and files) and its
    /// arrays. Disposes what it built if reading fails.</summary>
    /// <exception cref="JsonException">The JSON lacks a required field.</exception>
    public static object Read(JsonElement json, PipelineOutput requested, IOutputArrays blobs)
    {
        switch (requested.Type)
        {
            case InterfaceType.TextFile:
                return new TextFile(requested.Path!);
            case InterfaceType.BinaryFile:
                return new BinaryFile(requested.Path!);
            case InterfaceType.TextStream:
                return new TextStream(Encoding.UTF8.GetString(blobs.NextBytes()));
            case InterfaceType.BinaryStream:
                return new BinaryStream(blobs.NextBytes());
            case InterfaceType.JsonCompatible:
                return JsonCompatible.Parse(Encoding.UTF8.GetString(blobs.NextBytes()));
            case InterfaceType.Image:
                var image = new Image(InterfaceTypeJson.ReadImageType(json.GetProperty("imageType")));
                try
                {
                    image.Name = Optional(json, "name") ?? image.Name;
                    image.Origin = json.GetProperty("origin").GetArray("origin", JsonItems.GetNumber);
                    image.Spacing = json.GetProperty("spacing").GetArray("spacing", JsonItems.GetNumber);
                    image.Size = json.GetProperty("size").GetArray("size", JsonItems.GetCount);
                    ((JsonElement?)(json.TryGetProperty("metadata", out var m) ? m : null)).ReadMetadata(image.Metadata);
                    image.Data.Dispose();
                    image.Data = blobs.NextBuffer();
                    image.Direction = Doubles(blobs.NextBytes());
                    image.Validate();
                    return image;
                }
                catch
                {
                    image.Dispose();
                    throw;
                }

            case InterfaceType.Mesh:
                var mesh = new Mesh(InterfaceTypeJson.ReadMeshType(json.GetProperty("meshType")))
                {
                    NumberOfPoints = Count(json, "numberOfPoints"),
                    NumberOfPointPixels = Count(json, "numberOfPointPixels"),
                    NumberOfCells = Count(json, "numberOfCells"),
                    NumberOfCellPixels = Count(json, "numberOfCellPixels"),
                    CellBufferSize = Count(json, "cellBufferSize"),
                };
                mesh.Name = Optional(json, "name") ?? mesh.Name;
                mesh.Points = blobs.NextBuffer();
                mesh.Cells = blobs.NextBuffer();
                mesh.PointData = blobs.NextBuffer();
                mesh.CellData = blobs.NextBuffer();
                return mesh;
            case InterfaceType.PointSet:
                var pointSet = new PointSet(InterfaceTypeJson.ReadPointSetType(json.GetProperty("pointSetType")))
                {
                    NumberOfPoints = Count(json, "numberOfPoints"),
                    NumberOfPointPixels = Count(json, "numberOfPointPixels"),
                };
                pointSet.Name = Optional(json, "name") ?? pointSet.Name;
                pointSet.Points = blobs.NextBuffer();
                pointSet.PointData = blobs.NextBuffer();
                return pointSet;
            case InterfaceType.PolyData:
                var poly = new PolyData(InterfaceTypeJson.ReadPolyDataType(json.GetProperty("polyDataType")))
                {
                    NumberOfPoints = Count(json, "numberOfPoints"),
                    VerticesBufferSize = Count(json, "verticesBufferSize"),
                    LinesBufferSize = Count(json, "linesBufferSize"),
                    PolygonsBufferSize = Count(json, "polygonsBufferSize"),
                    TriangleStripsBufferSize = Count(json, "triangleStripsBufferSize"),
                    NumberOfPointPixels = Count(json, "numberOfPointPixels"),
                    NumberOfCellPixels = Count(json, "numberOfCellPixels"),
                };
                poly.Name = Optional(json, "name") ?? poly.Name;
                poly.Points = blobs.NextBuffer();
                poly.Vertices = blobs.NextBuffer();
                poly.Lines = blobs.NextBuffer();
                poly.Polygons = blobs.NextBuffer();
                poly.TriangleStrips = blobs.NextBuffer();
                poly.PointData = blobs.NextBuffer();
                poly.CellData = blobs.NextBuffer();
                return poly;
            default:
                var list = new TransformList();
                foreach (var t in json.EnumerateArray())
                {
                    var transform = new Transform(InterfaceTypeJson.ReadTransformType(t.GetProperty("transformType")))
                    {
                        NumberOfFixedParameters = Count(t, "numberOfFixedParameters"),
                        NumberOfParameters = Count(t, "numberOfParameters"),
                        Name = Optional(t, "name") ?? string.Empty,
                        InputSpaceName = Optional(t, "inputSpaceName") ?? string.Empty,
                        OutputSpaceName = Optional(t, "outputSpaceName") ?? string.Empty,
                    };
                    list.Add(transform);
                    if (!transform.IsCompositeHeader)
                    {
                        transform.FixedParameters = Doubles(blobs.NextBytes());
                        transform.Parameters.Dispose();
                        transform.Parameters = blobs.NextBuffer();
                    }
                }

                return list;
        }
    }

    private static double[] Doubles(byte[] bytes)
    {
        var values = new double[bytes.Length / sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)));
        }

        return values;
    }

    private static long Count(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;

    private static string? Optional(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
