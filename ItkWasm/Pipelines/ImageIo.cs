using ItkWasm.Runtime;

namespace ItkWasm.Pipelines;

/// <summary>
/// Reads and writes the image formats of <c>@itk-wasm/image-io</c> (NIfTI, NRRD, MetaImage, PNG, JPEG, TIFF, DICOM,
/// VTK, BMP, MINC, MGH, HDF5, …) by running its pipelines on a <see cref="IWasmRuntime"/>. The format is chosen by
/// extension, with ITK-Wasm's extension table (<c>extension-to-image-io.js</c>).
/// </summary>
public sealed class ImageIo
{
    /// <summary>The npm package whose pipelines this class runs.</summary>
    public const string Package = "@itk-wasm/image-io";

    private static readonly (string, string)[] Extensions =
    [
        ("bmp", "bmp"), ("dcm", "gdcm"), ("gipl", "gipl"), ("gipl.gz", "gipl"), ("hdf5", "hdf5"), ("jpg", "jpeg"),
        ("jpeg", "jpeg"), ("iwi", "wasm"), ("iwi.cbor", "wasm"), ("iwi.cbor.zst", "wasm-zstd"), ("lsm", "lsm"),
        ("mnc", "minc"), ("mnc.gz", "minc"), ("mnc2", "minc"), ("mgh", "mgh"), ("mgz", "mgh"), ("mgh.gz", "mgh"),
        ("mha", "meta"), ("mhd", "meta"), ("mrc", "mrc"), ("nia", "nifti"), ("nii", "nifti"), ("nii.gz", "nifti"),
        ("hdr", "nifti"), ("nrrd", "nrrd"), ("nhdr", "nrrd"), ("png", "png"), ("pic", "bio-rad"), ("tif", "tiff"),
        ("tiff", "tiff"), ("vtk", "vtk"), ("isq", "scanco"), ("aim", "scanco"), ("fdf", "fdf"),
    ];

    private static readonly string[] ReadOrder =
    [
        "png", "meta", "tiff", "nifti", "jpeg", "nrrd", "vtk", "bmp", "hdf5", "minc", "mrc", "lsm", "mgh", "bio-rad",
        "gipl", "ge-adw", "ge4", "ge5", "gdcm", "scanco", "fdf", "wasm", "wasm-zstd",
    ];

    private readonly IoPipelines<Image> pipelines;

    /// <summary>Creates the reader/writer on <paramref name="runtime"/>.</summary>
    public ImageIo(IWasmRuntime runtime) =>
        pipelines = new IoPipelines<Image>(runtime, Package, "image", InterfaceType.Image, Extensions, ReadOrder);

    /// <summary>Returns whether <paramref name="path"/>'s extension names a format of the package.</summary>
    public static bool HandlesExtension(string path) => IoPipelines<Image>.IoFor(Extensions, path) is not null;

    /// <summary>Reads an image file; the caller disposes the result.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">No reader of the package can read it.</exception>
    /// <exception cref="PipelineRunException">The reader failed.</exception>
    public Task<Image> ReadAsync(string path, CancellationToken cancellationToken = default) =>
        pipelines.ReadAsync(path, cancellationToken);

    /// <summary>Reads an image file's header only: its type, size, geometry and metadata as a whole read gives them, and
    /// no pixels (the readers' <c>--information-only</c>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="NotSupportedException">No reader of the package can read it.</exception>
    /// <exception cref="PipelineRunException">The reader failed.</exception>
    public Task<Image> ReadInformationAsync(string path, CancellationToken cancellationToken = default) =>
        pipelines.ReadAsync(path, informationOnly: true, cancellationToken);

    /// <summary>Writes an image file atomically, in the format its extension names.</summary>
    /// <param name="image">The image; the caller keeps owning it.</param>
    /// <param name="path">The destination; its extension picks the format.</param>
    /// <param name="useCompression">Whether to compress, where the format can.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    /// <exception cref="NotSupportedException">No writer of the package handles the extension.</exception>
    /// <exception cref="PipelineRunException">The writer failed.</exception>
    public Task WriteAsync(Image image, string path, bool useCompression = false, CancellationToken cancellationToken = default) =>
        pipelines.WriteAsync(image, path, useCompression, cancellationToken);
}
