namespace ItkWasm.Zarr;

/// <summary>A Zarr object (metadata or chunk) that cannot be read: malformed, or using a feature this reader does not
/// have. The message names the object.</summary>
public sealed class ZarrFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="key"/> of <paramref name="store"/>.</summary>
    public ZarrFormatException(string store, string key, string problem, Exception? inner = null)
        : base($"{store}: {key}: {problem}", inner)
    {
        Key = key;
    }

    /// <summary>Creates the exception with a message of its own.</summary>
    public ZarrFormatException(string message)
        : base(message)
    {
        Key = string.Empty;
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ZarrFormatException(string message, Exception inner)
        : base(message, inner)
    {
        Key = string.Empty;
    }

    /// <summary>Creates the exception with no message.</summary>
    public ZarrFormatException()
    {
        Key = string.Empty;
    }

    /// <summary>Gets the key of the object at fault.</summary>
    public string Key { get; }
}
