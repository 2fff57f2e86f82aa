using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using ItkWasm.IO.Directory;
using ItkWasm.Pipelines;

namespace ItkWasm.Runtime.Node;

/// <summary>
/// The executor protocol (see <c>executor.mjs</c>): frames of <c>u32 header length | UTF-8 JSON header | raw blobs</c>.
/// This side turns interface objects into a request header plus blobs, and reads a response's blobs straight into the
/// output objects' native buffers. Bulk data never goes through JSON or base64.
/// </summary>
internal static class ExecutorWire
{
    /// <summary>Builds the request frame's header and the blobs that follow it.</summary>
    public static (byte[] Header, List<object> Blobs) BuildRequest(PipelineRunRequest request, ModuleSpec module)
    {
        var blobs = new List<object>();
        var mountDirs = new SortedSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("op", "run");
            w.WriteStartObject("module");
            w.WriteString("kind", module.Kind);
            w.WriteString("path", module.Path);
            w.WriteString("key", module.Key);
            w.WriteEndObject();
            w.WriteStartArray("args");
            foreach (var a in request.Args)
            {
                w.WriteStringValue(a);
            }

            w.WriteEndArray();
            w.WriteStartArray("inputs");
            foreach (var input in request.Inputs)
            {
                WriteInput(w, input, blobs, mountDirs);
            }

            w.WriteEndArray();
            w.WriteStartArray("outputs");
            foreach (var output in request.Outputs)
            {
                w.WriteStartObject();
                w.WriteString("type", output.Type.ToString());
                if (output.Path is { } path)
                {
                    mountDirs.Add(Path.GetDirectoryName(path)!);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("mountDirs");
            foreach (var dir in mountDirs)
            {
                w.WriteStringValue(dir);
            }

            w.WriteEndArray();
            w.WriteNumber("memoryLimitBytes", request.Options.MemoryLimitBytes);
            w.WriteNumber("captureLimitBytes", request.Options.OutputCaptureLimitBytes);
            w.WriteStartArray("blobs");
            foreach (var blob in blobs)
            {
                w.WriteNumberValue(BlobLength(blob));
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return (buffer.ToArray(), blobs);
    }

    /// <summary>
    /// Writes one frame: the header's length, the header, then each blob. Synchronous on purpose: a pipe moves at most
    /// 64 KiB per call, and blocking writes move bulk data several times faster than the asynchronous pipe path.
    /// </summary>
    public static void WriteFrame(Stream stream, byte[] header, IEnumerable<object> blobs)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var blob in blobs)
        {
            if (blob is DataBuffer data)
            {
                data.WriteTo(stream);
            }
            else
            {
                stream.Write(((ReadOnlyMemory<byte>)blob).Span);
            }
        }

        stream.Flush();
    }

    /// <summary>Reads a frame's header. Returns null if the stream ended before one began.</summary>
    public static async Task<JsonDocument?> ReadHeaderAsync(Stream stream, CancellationToken cancellationToken)
    {
        var length = new byte[4];
        var read = await stream.ReadAtLeastAsync(length, 4, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read < 4)
        {
            return null;
        }

        var header = new byte[BinaryPrimitives.ReadUInt32LittleEndian(length)];
        await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        return JsonDocument.Parse(header);
    }

    /// <summary>Reads the outputs a successful response announces, taking their blobs from <paramref name="stream"/>
    /// in order with blocking reads (see <see cref="WriteFrame"/>). Disposes what it built if reading fails.</summary>
    public static List<object> ReadOutputs(JsonElement header, PipelineRunRequest request, Stream stream)
    {
        var outputs = new List<object>();
        var blobs = new BlobSource(header.GetProperty("blobs"), stream);
        try
        {
            var described = header.GetProperty("outputs").EnumerateArray().ToArray();
            for (var i = 0; i < described.Length; i++)
            {
                outputs.Add(ReadOutput(described[i], request.Outputs[i], blobs));
            }

            return outputs;
        }
        catch
        {
            foreach (var o in outputs.OfType<IDisposable>())
            {
                o.Dispose();
            }

            throw;
        }
    }

    private static void WriteInput(Utf8JsonWriter w, PipelineInput input, List<object> blobs, SortedSet<string> mountDirs)
    {
        w.WriteStartObject();
        w.WriteString("type", input.Type.ToString());
        switch (input.Value)
        {
            case TextFile file:
                mountDirs.Add(Path.GetDirectoryName(Path.GetFullPath(file.Path))!);
                break;
            case BinaryFile file:
                mountDirs.Add(Path.GetDirectoryName(Path.GetFullPath(file.Path))!);
                break;
            case TextStream text:
                Arrays(w, blobs, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(text.Data));
                break;
            case BinaryStream binary:
                Arrays(w, blobs, binary.Data);
                break;
            case JsonCompatible json:
                Arrays(w, blobs, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(json.ToJsonString()));
                break;
            case Image image:
                image.Validate();
                w.WriteStartObject("json");
                InterfaceTypeJson.Write(w, "imageType", image.ImageType);
                w.WriteString("name", image.Name);
                w.WriteNumbers(image.Origin, "origin");
                w.WriteNumbers(image.Spacing, "spacing");
                w.WriteCounts("size", image.Size);
                w.WriteMetadata(image.Metadata);
                w.WriteEndObject();
                Arrays(w, blobs, image.Data, Doubles(image.Direction));
                break;
            case Mesh mesh:
                mesh.Validate();
                w.WriteStartObject("json");
                InterfaceTypeJson.Write(w, "meshType", mesh.MeshType);
                w.WriteString("name", mesh.Name);
                Counts(w, ("numberOfPoints", mesh.NumberOfPoints), ("numberOfPointPixels", mesh.NumberOfPointPixels),
                    ("numberOfCells", mesh.NumberOfCells), ("numberOfCellPixels", mesh.NumberOfCellPixels), ("cellBufferSize", mesh.CellBufferSize));
                w.WriteEndObject();
                Arrays(w, blobs, mesh.Points, mesh.Cells, mesh.PointData, mesh.CellData);
                break;
            case PointSet pointSet:
                pointSet.Validate();
                w.WriteStartObject("json");
                InterfaceTypeJson.Write(w, "pointSetType", pointSet.PointSetType);
                w.WriteString("name", pointSet.Name);
                Counts(w, ("numberOfPoints", pointSet.NumberOfPoints), ("numberOfPointPixels", pointSet.NumberOfPointPixels));
                w.WriteEndObject();
                Arrays(w, blobs, pointSet.Points, pointSet.PointData);
                break;
            case PolyData poly:
                poly.Validate();
                w.WriteStartObject("json");
                InterfaceTypeJson.Write(w, "polyDataType", poly.PolyDataType);
                w.WriteString("name", poly.Name);
                Counts(w, ("numberOfPoints", poly.NumberOfPoints), ("verticesBufferSize", poly.VerticesBufferSize),
                    ("linesBufferSize", poly.LinesBufferSize), ("polygonsBufferSize", poly.PolygonsBufferSize),
                    ("triangleStripsBufferSize", poly.TriangleStripsBufferSize), ("numberOfPointPixels", poly.NumberOfPointPixels),
                    ("numberOfCellPixels", poly.NumberOfCellPixels));
                w.WriteEndObject();
                Arrays(w, blobs, poly.Points, poly.Vertices, poly.Lines, poly.Polygons, poly.TriangleStrips, poly.PointData, poly.CellData);
                break;
            case TransformList list:
                list.Validate();
                w.WriteStartArray("json");
                var arrays = new List<object>();
                foreach (var t in list)
                {
                    w.WriteStartObject();
                    InterfaceTypeJson.Write(w, "transformType", t.TransformType);
                    Counts(w, ("numberOfFixedParameters", t.NumberOfFixedParameters), ("numberOfParameters", t.NumberOfParameters));
                    w.WriteString("name", t.Name);
                    w.WriteString("inputSpaceName", t.InputSpaceName);
                    w.WriteString("outputSpaceName", t.OutputSpaceName);
                    w.WriteEndObject();
                    if (!t.IsCompositeHeader)
                    {
                        arrays.Add(Doubles(t.FixedParameters));
                        arrays.Add(t.Parameters);
                    }
                }

                w.WriteEndArray();
                Arrays(w, blobs, [.. arrays]);
                break;
            default:
                throw new ArgumentException(
                    $"Input of type {input.Type} holds a {input.Value?.GetType().Name ?? "null"}.", nameof(input));
        }

        w.WriteEndObject();
    }

    private static object ReadOutput(JsonElement described, PipelineOutput requested, BlobSource blobs)
    {
        var json = described.TryGetProperty("json", out var j) ? j : default;
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
                    image.Direction = MemoryMarshalDoubles(blobs.NextBytes());
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
                        transform.FixedParameters = MemoryMarshalDoubles(blobs.NextBytes());
                        transform.Parameters.Dispose();
                        transform.Parameters = blobs.NextBuffer();
                    }
                }

                return list;
        }
    }

    private static void Arrays(Utf8JsonWriter w, List<object> blobs, params object[] arrays)
    {
        w.WriteStartArray("arrays");
        foreach (var a in arrays)
        {
            w.WriteNumberValue(BlobLength(a));
            blobs.Add(a);
        }

        w.WriteEndArray();
    }

    private static void Counts(Utf8JsonWriter w, params (string Name, long Value)[] counts)
    {
        foreach (var (name, value) in counts)
        {
            w.WriteNumber(name, value);
        }
    }

    /// <summary>Returns a blob's length in bytes.</summary>
    public static long BlobLength(object blob) => blob is DataBuffer d ? d.Length : ((ReadOnlyMemory<byte>)blob).Length;

    private static ReadOnlyMemory<byte> Doubles(double[] values)
    {
        var bytes = new byte[values.Length * sizeof(double)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * sizeof(double)), values[i]);
        }

        return bytes;
    }

    private static double[] MemoryMarshalDoubles(byte[] bytes)
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

    /// <summary>The response's blobs, read in order from the stream.</summary>
    private sealed class BlobSource(JsonElement lengths, Stream stream)
    {
        private readonly long[] lengths = lengths.EnumerateArray().Select(e => e.GetInt64()).ToArray();
        private int next;

        public DataBuffer NextBuffer()
        {
            var buffer = DataBuffer.Allocate(Take());
            try
            {
                buffer.ReadFrom(stream);
                return buffer;
            }
            catch
            {
                buffer.Dispose();
                throw;
            }
        }

        public byte[] NextBytes()
        {
            var bytes = new byte[checked((int)Take())];
            stream.ReadExactly(bytes);
            return bytes;
        }

        private long Take() => next < lengths.Length
            ? lengths[next++]
            : throw new InvalidDataException("The executor sent fewer blobs than its outputs need.");
    }
}
