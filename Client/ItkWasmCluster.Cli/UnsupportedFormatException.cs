namespace ItkWasmCluster.Cli;

/// <summary>A file format the command line cannot read or write.</summary>
public sealed class UnsupportedFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public UnsupportedFormatException(string path)
        : base($"{path}: this format is not supported; images: .iwi, .nii(.gz), .nrrd, .mha/.mhd, .png, .jpg, .tif, .dcm, "
               + ".vtk and the rest of @itk-wasm/image-io; meshes: .iwm, .vtk, .obj, .stl, .off, .byu, .fsa/.fsb, .mz3, .swc; "
               + "transforms: .iwt (each ITK-Wasm format also as .cbor or .cbor.zst)")
    {
    }
}
