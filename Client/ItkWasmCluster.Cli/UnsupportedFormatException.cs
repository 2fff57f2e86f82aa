namespace ItkWasmCluster.Cli;

/// <summary>A file format the command line cannot read or write yet.</summary>
public sealed class UnsupportedFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public UnsupportedFormatException(string path)
        : base($"{path}: this format is not supported yet; ITK-Wasm's .iwi, .iwm and .iwt files (as directories, "
               + ".cbor or .cbor.zst) are. Other formats (.nii.gz, .nrrd, .png, .vtk, ...) come with the pipeline runtime.")
    {
    }
}
