namespace ItkWasm;

/// <summary>
/// The scalar type of one component of a pixel, point coordinate, cell index or parameter. Serialized as ITK-Wasm's
/// <c>componentType</c> strings <c>int8 uint8 int16 uint16 int32 uint32 int64 uint64 float32 float64</c>
/// (ITK-Wasm <c>include/itkComponentTypesJSON.h</c>); see <see cref="ItkWasmEnums"/>.
/// </summary>
public enum ComponentType
{
    /// <summary><c>int8</c>: signed 8-bit integer.</summary>
    Int8,

    /// <summary><c>uint8</c>: unsigned 8-bit integer.</summary>
    UInt8,

    /// <summary><c>int16</c>: signed 16-bit integer.</summary>
    Int16,

    /// <summary><c>uint16</c>: unsigned 16-bit integer.</summary>
    UInt16,

    /// <summary><c>int32</c>: signed 32-bit integer.</summary>
    Int32,

    /// <summary><c>uint32</c>: unsigned 32-bit integer.</summary>
    UInt32,

    /// <summary><c>int64</c>: signed 64-bit integer.</summary>
    Int64,

    /// <summary><c>uint64</c>: unsigned 64-bit integer.</summary>
    UInt64,

    /// <summary><c>float32</c>: IEEE 754 single precision.</summary>
    Float32,

    /// <summary><c>float64</c>: IEEE 754 double precision.</summary>
    Float64,
}
