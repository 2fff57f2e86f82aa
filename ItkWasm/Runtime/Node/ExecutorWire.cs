using System.Buffers.Binary;
using System.Text.Json;
using ItkWasm.Pipelines;
using ItkWasm.Runtime.MemoryIo;

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
        var outputFiles = new SortedSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("op", "run");
            w.WriteStartObject("module");
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
                    mountDirs.Add(Path.GetDirectoryName(Path.GetFullPath(path))!);
                    outputFiles.Add(Path.GetFullPath(path));
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            // The folders of file inputs and outputs are mounted into the module; while it runs, the executor lets it
            // write the output files it names and nothing else (the folders are read-only to it).
            WriteStrings(w, "mountDirs", mountDirs);
            WriteStrings(w, "outputFiles", outputFiles);
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
                outputs.Add(MemoryIoOutput.Read(described[i].TryGetProperty("json", out var json) ? json : default, request.Outputs[i], blobs));
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

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static void WriteInput(Utf8JsonWriter w, PipelineInput input, List<object> blobs, SortedSet<string> mountDirs)
    {
        var layout = MemoryIoInput.Describe(input);
        w.WriteStartObject();
        w.WriteString("type", input.Type.ToString());
        if (input.FilePath is { } path)
        {
            mountDirs.Add(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }

        if (layout.IsDataObject)
        {
            w.WritePropertyName("json");
            layout.WriteJson(w, null);
        }

        w.WriteStartArray("arrays");
        foreach (var array in layout.Arrays)
        {
            w.WriteNumberValue(MemoryIoInput.Length(array));
            blobs.Add(array);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Returns a blob's length in bytes.</summary>
    public static long BlobLength(object blob) => MemoryIoInput.Length(blob);

    /// <summary>The response's blobs, read in order from the stream.</summary>
    private sealed class BlobSource(JsonElement lengths, Stream stream) : IOutputArrays
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
