namespace ItkWasm.Pipelines;

/// <summary>
/// One input of a pipeline run, like Python's <c>itkwasm.PipelineInput</c>. Its position in the input list is its
/// memory-I/O index, the number the pipeline's arguments name it by (ITKWASM-SPEC §1.4). File inputs take a position
/// too, but are named in the arguments by path.
/// </summary>
/// <param name="Type">The interface type.</param>
/// <param name="Value">The value: an <see cref="ItkWasm.Image"/>, <see cref="ItkWasm.TextStream"/>, <see cref="ItkWasm.TextFile"/>, … matching <paramref name="Type"/>.</param>
public sealed record PipelineInput(InterfaceType Type, object Value)
{
    /// <summary>Gets the full path of a <see cref="ItkWasm.TextFile"/> or <see cref="ItkWasm.BinaryFile"/> input, which
    /// a runtime makes visible to the module by its folder; null for the other types.</summary>
    internal string? FilePath => Value switch
    {
        TextFile t => Path.GetFullPath(t.Path),
        BinaryFile b => Path.GetFullPath(b.Path),
        _ => null,
    };

    /// <summary>An image input.</summary>
    public static PipelineInput Image(Image image) => new(InterfaceType.Image, image);

    /// <summary>A mesh input.</summary>
    public static PipelineInput Mesh(Mesh mesh) => new(InterfaceType.Mesh, mesh);

    /// <summary>A point set input.</summary>
    public static PipelineInput PointSet(PointSet pointSet) => new(InterfaceType.PointSet, pointSet);

    /// <summary>A poly data input.</summary>
    public static PipelineInput PolyData(PolyData polyData) => new(InterfaceType.PolyData, polyData);

    /// <summary>A transform list input.</summary>
    public static PipelineInput TransformList(TransformList transforms) => new(InterfaceType.TransformList, transforms);

    /// <summary>A JSON input.</summary>
    public static PipelineInput Json(JsonCompatible json) => new(InterfaceType.JsonCompatible, json);

    /// <summary>A text stream input.</summary>
    public static PipelineInput Text(string text) => new(InterfaceType.TextStream, new TextStream(text));

    /// <summary>A binary stream input.</summary>
    public static PipelineInput Binary(ReadOnlyMemory<byte> bytes) => new(InterfaceType.BinaryStream, new BinaryStream(bytes));

    /// <summary>A text file input, passed to the pipeline by path.</summary>
    public static PipelineInput TextFile(string path) => new(InterfaceType.TextFile, new TextFile(Path.GetFullPath(path)));

    /// <summary>A binary file input, passed to the pipeline by path.</summary>
    public static PipelineInput BinaryFile(string path) => new(InterfaceType.BinaryFile, new BinaryFile(Path.GetFullPath(path)));
}
