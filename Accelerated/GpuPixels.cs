using ILGPU;
using ILGPU.Runtime;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>Pixel access for the ILGPU kernels: pixels of any component type read as and written from
/// <see cref="double"/> (C# conversions: integers truncated, float32 rounded to nearest), and copies between host
/// buffers and device views.</summary>
internal static class GpuPixels
{
    // Host-to-device and device-to-host copies go in pieces of this many bytes (spans are int-indexed).
    private const int CopyChunk = 1 << 30;

    /// <summary>Copies <paramref name="host"/> to or from <paramref name="view"/>, which has its length.</summary>
    public static void Copy(DataBuffer host, ArrayView<byte> view, bool toDevice)
    {
        for (long offset = 0; offset < host.Length; offset += CopyChunk)
        {
            var length = (int)Math.Min(CopyChunk, host.Length - offset);
            var part = view.SubView(offset, length);
            if (toDevice)
            {
                part.CopyFromCPU(host.AsSpan(offset, length));
            }
            else
            {
                part.CopyToCPU(host.AsSpan(offset, length));
            }
        }
    }

    /// <summary>Reads pixel <paramref name="i"/> of a buffer of <paramref name="component"/>
    /// (<see cref="ComponentType"/>) as a double.</summary>
    public static double Load(ArrayView<byte> data, int component, long i) => component switch
    {
        (int)ComponentType.Int8 => data.Cast<sbyte>()[i],
        (int)ComponentType.UInt8 => data[i],
        (int)ComponentType.Int16 => data.Cast<short>()[i],
        (int)ComponentType.UInt16 => data.Cast<ushort>()[i],
        (int)ComponentType.Int32 => data.Cast<int>()[i],
        (int)ComponentType.UInt32 => data.Cast<uint>()[i],
        (int)ComponentType.Int64 => data.Cast<long>()[i],
        (int)ComponentType.UInt64 => data.Cast<ulong>()[i],
        (int)ComponentType.Float32 => data.Cast<float>()[i],
        _ => data.Cast<double>()[i],
    };

    /// <summary>Writes pixel <paramref name="i"/>, converted to <paramref name="component"/>.</summary>
    public static void Store(ArrayView<byte> data, int component, long i, double value)
    {
        switch (component)
        {
            case (int)ComponentType.Int8: data.Cast<sbyte>()[i] = (sbyte)value; break;
            case (int)ComponentType.UInt8: data[i] = (byte)value; break;
            case (int)ComponentType.Int16: data.Cast<short>()[i] = (short)value; break;
            case (int)ComponentType.UInt16: data.Cast<ushort>()[i] = (ushort)value; break;
            case (int)ComponentType.Int32: data.Cast<int>()[i] = (int)value; break;
            case (int)ComponentType.UInt32: data.Cast<uint>()[i] = (uint)value; break;
            case (int)ComponentType.Int64: data.Cast<long>()[i] = (long)value; break;
            case (int)ComponentType.UInt64: data.Cast<ulong>()[i] = (ulong)value; break;
            case (int)ComponentType.Float32: data.Cast<float>()[i] = (float)value; break;
            default: data.Cast<double>()[i] = value; break;
        }
    }

    /// <summary><paramref name="value"/> converted to <paramref name="component"/> and back, as storing it in an
    /// image of that type does.</summary>
    public static double RoundTrip(int component, double value) => component switch
    {
        (int)ComponentType.Int8 => (sbyte)value,
        (int)ComponentType.UInt8 => (byte)value,
        (int)ComponentType.Int16 => (short)value,
        (int)ComponentType.UInt16 => (ushort)value,
        (int)ComponentType.Int32 => (int)value,
        (int)ComponentType.UInt32 => (uint)value,
        (int)ComponentType.Int64 => (long)value,
        (int)ComponentType.UInt64 => (ulong)value,
        (int)ComponentType.Float32 => (float)value,
        _ => value,
    };
}
