namespace ItkWasm;

/// <summary>
/// The kind of pixel (or point/cell pixel) an interface type holds. The member names are ITK-Wasm's <c>pixelType</c>
/// strings exactly (ITK-Wasm <c>include/itkPixelTypesJSON.h</c>).
/// </summary>
public enum PixelType
{
    /// <summary><c>Unknown</c>.</summary>
    Unknown,

    /// <summary><c>Scalar</c>: one component.</summary>
    Scalar,

    /// <summary><c>RGB</c>: three components.</summary>
    RGB,

    /// <summary><c>RGBA</c>: four components.</summary>
    RGBA,

    /// <summary><c>Offset</c>.</summary>
    Offset,

    /// <summary><c>Vector</c>.</summary>
    Vector,

    /// <summary><c>Point</c>.</summary>
    Point,

    /// <summary><c>CovariantVector</c>.</summary>
    CovariantVector,

    /// <summary><c>SymmetricSecondRankTensor</c>.</summary>
    SymmetricSecondRankTensor,

    /// <summary><c>DiffusionTensor3D</c>.</summary>
    DiffusionTensor3D,

    /// <summary><c>Complex</c>: two components, real and imaginary.</summary>
    Complex,

    /// <summary><c>FixedArray</c>.</summary>
    FixedArray,

    /// <summary><c>Array</c>.</summary>
    Array,

    /// <summary><c>Matrix</c>.</summary>
    Matrix,

    /// <summary><c>VariableLengthVector</c>: what multi-component pipeline inputs such as downsample expect.</summary>
    VariableLengthVector,

    /// <summary><c>VariableSizeMatrix</c>.</summary>
    VariableSizeMatrix,
}
