namespace ItkWasm.Pipelines;

/// <summary>ITK-Wasm's interface types: what a pipeline input or output is (ITKWASM-SPEC §2.1).</summary>
public enum InterfaceType
{
    /// <summary>A text file passed by path; its directory is made visible to the module.</summary>
    TextFile,

    /// <summary>A binary file passed by path; its directory is made visible to the module.</summary>
    BinaryFile,

    /// <summary>Text in memory (<see cref="ItkWasm.TextStream"/>).</summary>
    TextStream,

    /// <summary>Bytes in memory (<see cref="ItkWasm.BinaryStream"/>).</summary>
    BinaryStream,

    /// <summary>An <see cref="ItkWasm.Image"/>.</summary>
    Image,

    /// <summary>A <see cref="ItkWasm.Mesh"/>.</summary>
    Mesh,

    /// <summary>A <see cref="ItkWasm.PointSet"/>.</summary>
    PointSet,

    /// <summary>A <see cref="ItkWasm.PolyData"/>.</summary>
    PolyData,

    /// <summary>A <see cref="ItkWasm.TransformList"/>.</summary>
    TransformList,

    /// <summary>Any JSON value (<see cref="ItkWasm.JsonCompatible"/>).</summary>
    JsonCompatible,
}
