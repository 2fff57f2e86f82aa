using Orleans.Storage;

namespace ItkWasmCluster.Storage.GrainStorage;

/// <summary>Settings of a <see cref="FileGrainStorage"/>.</summary>
public sealed class FileGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Gets or sets the folder that holds the state files, one folder per state name. Required; created on
    /// first write.</summary>
    public string RootDirectory { get; set; } = string.Empty;

    /// <summary>Gets or sets whether each write is flushed to the disk before it counts as done, so a completed write
    /// survives a power loss, not only a killed process. Default true.</summary>
    public bool FlushToDisk { get; set; } = true;

    /// <inheritdoc/>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}

/// <summary>Checks <see cref="FileGrainStorageOptions"/> when the silo starts.</summary>
/// <param name="options">The options of the named provider.</param>
/// <param name="name">The provider's name.</param>
internal sealed class FileGrainStorageOptionsValidator(FileGrainStorageOptions options, string name) : IConfigurationValidator
{
    /// <inheritdoc/>
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.RootDirectory) || !Path.IsPathFullyQualified(options.RootDirectory))
        {
            throw new OrleansConfigurationException(
                $"The file grain storage '{name}' needs {nameof(FileGrainStorageOptions)}.{nameof(FileGrainStorageOptions.RootDirectory)}, a full path (it is '{options.RootDirectory}').");
        }
    }
}
