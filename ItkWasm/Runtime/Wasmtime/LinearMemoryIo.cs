using System.Text.Json;
using ItkWasm.Pipelines;
using ItkWasm.Runtime.MemoryIo;
using Wasmtime;

namespace ItkWasm.Runtime.Wasmtime;

/// <summary>
/// ITK-Wasm's memory I/O on one instance, as <c>pipeline.py</c> does it (ITKWASM-SPEC §1.3, §1.6, §1.7): each input's
/// arrays then its JSON are written through <c>itk_wasm_input_array_alloc</c>/<c>itk_wasm_input_json_alloc</c>, and
/// after <c>itk_wasm_delayed_start</c> each output's JSON and arrays are copied out through the
/// <c>itk_wasm_output_*</c> exports before <c>itk_wasm_delayed_exit</c> frees them. Pointers are unsigned 32-bit
/// offsets, checked against the memory's size before any copy. Bulk data is copied straight between native buffers
/// and linear memory.
/// </summary>
internal sealed unsafe class LinearMemoryIo(Instance instance, PipelineReference pipeline)
{
    private const int Window = 1 << 30;
    private readonly Memory memory = instance.GetMemory("memory")!;
    private readonly Func<int, int, int, int, int> inputArrayAlloc = instance.GetFunction<int, int, int, int, int>("itk_wasm_input_array_alloc")!;
    private readonly Func<int, int, int, int> inputJsonAlloc = instance.GetFunction<int, int, int, int>("itk_wasm_input_json_alloc")!;
    private readonly Func<int, int, int> outputJsonAddress = instance.GetFunction<int, int, int>("itk_wasm_output_json_address")!;
    private readonly Func<int, int, int> outputJsonSize = instance.GetFunction<int, int, int>("itk_wasm_output_json_size")!;
    private readonly Func<int, int, int, int> outputArrayAddress = instance.GetFunction<int, int, int, int>("itk_wasm_output_array_address")!;
    private readonly Func<int, int, int, int> outputArraySize = instance.GetFunction<int, int, int, int>("itk_wasm_output_array_size")!;

    /// <summary>Writes input <paramref name="index"/>: its arrays, then its JSON with their addresses.</summary>
    public void WriteInput(int index, MemoryIoInput input)
    {
        if (!input.HasJson)
        {
            return;
        }

        var addresses = new string[input.Arrays.Count];
        for (var sub = 0; sub < input.Arrays.Count; sub++)
        {
            var array = input.Arrays[sub];
            var length = MemoryIoInput.Length(array);
            if (length > uint.MaxValue)
            {
                throw new PipelineRunException(pipeline, PipelineFailureKind.InvalidRequest,
                    $"input {index} array {sub} has {length} bytes, more than a wasm32 module can address", string.Empty, string.Empty);
            }

            var pointer = (uint)inputArrayAlloc(0, index, sub, (int)(uint)length);
            if (array is DataBuffer buffer)
            {
                for (long done = 0; done < length; done += Window)
                {
                    var count = (int)Math.Min(Window, length - done);
                    buffer.AsSpan(done, count).CopyTo(View(pointer + done, count));
                }
            }
            else
            {
                ((ReadOnlyMemory<byte>)array).Span.CopyTo(View(pointer, (int)length));
            }

            addresses[sub] = MemoryIoInput.Address(length == 0 ? 0 : pointer);
        }

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            input.WriteJson(writer, sub => addresses[sub]);
        }

        var jsonPointer = (uint)inputJsonAlloc(0, index, (int)json.Length);
        json.GetBuffer().AsSpan(0, (int)json.Length).CopyTo(View(jsonPointer, (int)json.Length));
    }

    /// <summary>Reads output <paramref name="index"/> as <paramref name="requested"/> asks; the caller owns it.</summary>
    public object ReadOutput(int index, PipelineOutput requested)
    {
        switch (requested.Type)
        {
            case InterfaceType.TextFile or InterfaceType.BinaryFile:
                return MemoryIoOutput.Read(default, requested, new Arrays(this, index, []));
            case InterfaceType.TextStream or InterfaceType.BinaryStream or InterfaceType.JsonCompatible:
                return MemoryIoOutput.Read(default, requested, new Arrays(this, index, [true]));
            default:
                // Only ask for the JSON of a data object the pipeline was told to produce: for any other index the
                // module dereferences a null pointer and traps (ITKWASM-SPEC §1.2).
                var address = (uint)outputJsonAddress(0, index);
                var size = (uint)outputJsonSize(0, index);
                using (var document = JsonDocument.Parse(Copy(address, size)))
                {
                    var json = document.RootElement;
                    return MemoryIoOutput.Read(json, requested, new Arrays(this, index, MemoryIoOutput.PresentArrays(requested.Type, json)));
                }
        }
    }

    private byte[] Copy(uint address, uint size)
    {
        var bytes = new byte[size];
        View(address, (int)size).CopyTo(bytes);
        return bytes;
    }

    // A view of linear memory, valid until the module next runs (growth may move it). Throws, rather than reading or
    // writing outside the memory, when a pointer the module returned is out of bounds.
    private Span<byte> View(long address, int length)
    {
        var size = memory.GetLength();
        if (address < 0 || length < 0 || address + length > size)
        {
            throw new PipelineRunException(pipeline, PipelineFailureKind.Trap,
                $"the module gave an address outside its memory ({length} bytes at {address}, memory of {size} bytes)", string.Empty, string.Empty);
        }

        return new Span<byte>((byte*)memory.GetPointer() + address, length);
    }

    /// <summary>An output's arrays, read from linear memory in sub-index order; unregistered ones are empty.</summary>
    private sealed class Arrays(LinearMemoryIo io, int index, bool[] present) : IOutputArrays
    {
        private int next;

        public DataBuffer NextBuffer()
        {
            var (address, size) = Take();
            var buffer = DataBuffer.Allocate(size);
            try
            {
                for (long done = 0; done < size; done += Window)
                {
                    var count = (int)Math.Min(Window, size - done);
                    io.View(address + done, count).CopyTo(buffer.AsSpan(done, count));
                }

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
            var (address, size) = Take();
            return io.Copy(address, size);
        }

        private (uint Address, uint Size) Take()
        {
            var sub = next++;
            return sub < present.Length && present[sub]
                ? ((uint)io.outputArrayAddress(0, index, sub), (uint)io.outputArraySize(0, index, sub))
                : (0, 0);
        }
    }
}
