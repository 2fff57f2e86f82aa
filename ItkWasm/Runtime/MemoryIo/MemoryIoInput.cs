using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ItkWasm.IO.Directory;
using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.MemoryIo;

/// <summary>
/// One pipeline input as ITK-Wasm's memory I/O lays it out (ITKWASM-SPEC §1.6, as <c>pipeline.py</c> and
/// <c>run-pipeline-emscripten.ts</c> write it): its arrays by sub-index, and the JSON document whose address fields
/// point at them. Both runtimes use it: Wasmtime writes the JSON with the arrays' addresses, the Node executor
/// receives the JSON without them and fills them in itself.
/// </summary>
internal sealed class MemoryIoInput
{
    private readonly Action<Utf8JsonWriter, Func<int, string>?>? writeJson;

    private MemoryIoInput(InterfaceType type, object[] arrays, Action<Utf8JsonWriter, Func<int, string>?>? writeJson)
    {
        Type = type;
        Arrays = arrays;
        this.writeJson = writeJson;
    }

    /// <summary>Gets the interface type.</summary>
    public InterfaceType Type { get; }

    /// <summary>Gets the arrays by sub-index: each a <see cref="DataBuffer"/> or a <see cref="ReadOnlyMemory{T}"/> of
    /// bytes, owned by the input's value. Empty for files.</summary>
    public IReadOnlyList<object> Arrays { get; }

    /// <summary>Gets whether the input has a JSON document (files have none).</summary>
    public bool HasJson => writeJson is not null;

    /// <summary>Gets whether the JSON document describes a data object (Image, Mesh, PointSet, PolyData,
    /// TransformList) rather than a stream's <c>{size, data}</c>.</summary>
    public bool IsDataObject => Type is InterfaceType.Image or InterfaceType.Mesh or InterfaceType.PointSet
        or InterfaceType.PolyData or InterfaceType.TransformList;

    /// <summary>The prefix of an address in linear memory: memory 0, then the unsigned decimal offset (ITKWASM-SPEC §1.5).</summary>
    public const string AddressPrefix = "data:application/vnd.itk.address,0:";

    /// <summary>Returns the address URL of <paramref name="pointer"/>.</summary>
    public static string Address(uint pointer) => AddressPrefix + pointer.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Writes the input's JSON document.</summary>
    /// <param name="writer">Where to write it.</param>
    /// <param name="address">Gives the address URL of array <c>sub</c>; null leaves the address fields out.</param>
    public void WriteJson(Utf8JsonWriter writer, Func<int, string>? address) =>
        (writeJson ?? throw new InvalidOperationException($"A {Type} input has no JSON.")).Invoke(writer, address);

    /// <summary>Returns an array's length in bytes.</summary>
    public static long Length(object array) => array is DataBuffer d ? d.Length : ((ReadOnlyMemory<byte>)array).Length;

    /// <summary>Lays out <paramref name="input"/>, validating its value.</summary>
    /// <exception cref="ArgumentException">The value does not match the input's type, or is inconsistent.</exception>
    public static MemoryIoInput Describe(PipelineInput input) => input.Value switch
    {
        TextFile or BinaryFile => new(input.Type, [], null),
        TextStream text => Stream(input.Type, Encoding.UTF8.GetBytes(text.Data)),
        BinaryStream binary => Stream(input.Type, binary.Data),
        JsonCompatible json => Stream(input.Type, Encoding.UTF8.GetBytes(json.ToJsonString())),
        Image image => DescribeImage(image),
        Mesh mesh => DescribeMesh(mesh),
        PointSet pointSet => DescribePointSet(pointSet),
        PolyData poly => DescribePolyData(poly),
        TransformList list => DescribeTransforms(list),
        _ => throw new ArgumentException($"Input of type {input.Type} holds a {input.Value?.GetType().Name ?? "null"}.", nameof(input)),
    };

    private static MemoryIoInput Stream(InterfaceType type, ReadOnlyMemory<byte> bytes) => new(type, [bytes], (w, address) =>
    {
        w.WriteStartObject();
        w.WriteNumber("size", bytes.Length);
        Address(w, "data", address, 0);
        w.WriteEndObject();
    });

    private static MemoryIoInput DescribeImage(Image image)
    {
        image.Validate();
        return new(InterfaceType.Image, [image.Data, Doubles(image.Direction)], (w, address) =>
        {
            w.WriteStartObject();
            InterfaceTypeJson.Write(w, "imageType", image.ImageType);
            w.WriteString("name", image.Name);
            w.WriteNumbers(image.Origin, "origin");
            w.WriteNumbers(image.Spacing, "spacing");
            Address(w, "direction", address, 1);
            w.WriteCounts("size", image.Size);
            w.WriteMetadata(image.Metadata);
            Address(w, "data", address, 0);
            w.WriteEndObject();
        });
    }

    private static MemoryIoInput DescribeMesh(Mesh mesh)
    {
        mesh.Validate();
        return new(InterfaceType.Mesh, [mesh.Points, mesh.Cells, mesh.PointData, mesh.CellData], (w, address) =>
        {
            w.WriteStartObject();
            InterfaceTypeJson.Write(w, "meshType", mesh.MeshType);
            w.WriteString("name", mesh.Name);
            w.WriteNumber("numberOfPoints", mesh.NumberOfPoints);
            Address(w, "points", address, 0);
            w.WriteNumber("numberOfCells", mesh.NumberOfCells);
            Address(w, "cells", address, 1);
            w.WriteNumber("cellBufferSize", mesh.CellBufferSize);
            w.WriteNumber("numberOfPointPixels", mesh.NumberOfPointPixels);
            Address(w, "pointData", address, 2);
            w.WriteNumber("numberOfCellPixels", mesh.NumberOfCellPixels);
            Address(w, "cellData", address, 3);
            w.WriteEndObject();
        });
    }

    private static MemoryIoInput DescribePointSet(PointSet pointSet)
    {
        pointSet.Validate();
        return new(InterfaceType.PointSet, [pointSet.Points, pointSet.PointData], (w, address) =>
        {
            w.WriteStartObject();
            InterfaceTypeJson.Write(w, "pointSetType", pointSet.PointSetType);
            w.WriteString("name", pointSet.Name);
            w.WriteNumber("numberOfPoints", pointSet.NumberOfPoints);
            Address(w, "points", address, 0);
            w.WriteNumber("numberOfPointPixels", pointSet.NumberOfPointPixels);
            Address(w, "pointData", address, 1);
            w.WriteEndObject();
        });
    }

    private static MemoryIoInput DescribePolyData(PolyData poly)
    {
        poly.Validate();
        object[] arrays = [poly.Points, poly.Vertices, poly.Lines, poly.Polygons, poly.TriangleStrips, poly.PointData, poly.CellData];
        return new(InterfaceType.PolyData, arrays, (w, address) =>
        {
            w.WriteStartObject();
            InterfaceTypeJson.Write(w, "polyDataType", poly.PolyDataType);
            w.WriteString("name", poly.Name);
            w.WriteNumber("numberOfPoints", poly.NumberOfPoints);
            Address(w, "points", address, 0);
            w.WriteNumber("verticesBufferSize", poly.VerticesBufferSize);
            Address(w, "vertices", address, 1);
            w.WriteNumber("linesBufferSize", poly.LinesBufferSize);
            Address(w, "lines", address, 2);
            w.WriteNumber("polygonsBufferSize", poly.PolygonsBufferSize);
            Address(w, "polygons", address, 3);
            w.WriteNumber("triangleStripsBufferSize", poly.TriangleStripsBufferSize);
            Address(w, "triangleStrips", address, 4);
            w.WriteNumber("numberOfPointPixels", poly.NumberOfPointPixels);
            Address(w, "pointData", address, 5);
            w.WriteNumber("numberOfCellPixels", poly.NumberOfCellPixels);
            Address(w, "cellData", address, 6);
            w.WriteEndObject();
        });
    }

    // A Composite entry heads the list and gets no arrays; every other entry k gets subs 2k (fixed parameters,
    // float64) and 2k+1 (parameters), counting only the entries with arrays (ITKWASM-SPEC §1.6).
    private static MemoryIoInput DescribeTransforms(TransformList list)
    {
        list.Validate();
        var arrays = new List<object>();
        foreach (var t in list.Where(t => !t.IsCompositeHeader))
        {
            arrays.Add(Doubles(t.FixedParameters));
            arrays.Add(t.Parameters);
        }

        return new(InterfaceType.TransformList, [.. arrays], (w, address) =>
        {
            w.WriteStartArray();
            var sub = 0;
            foreach (var t in list)
            {
                w.WriteStartObject();
                InterfaceTypeJson.WriteTransformHeader(w, t);
                if (address is not null)
                {
                    w.WriteString("fixedParameters", t.IsCompositeHeader ? string.Empty : address(sub++));
                    w.WriteString("parameters", t.IsCompositeHeader ? string.Empty : address(sub++));
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static void Address(Utf8JsonWriter w, string name, Func<int, string>? address, int sub)
    {
        if (address is not null)
        {
            w.WriteString(name, address(sub));
        }
    }

    private static ReadOnlyMemory<byte> Doubles(double[] values)
    {
        var bytes = new byte[values.Length * sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
        }

        return bytes;
    }
}
