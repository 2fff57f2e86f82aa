namespace ItkWasmCluster.Jobs;

/// <summary>Another running job writes its results to the same output location (HTTP 409): two jobs writing one
/// location would write over each other's results. It crosses grain calls whole.</summary>
[GenerateSerializer]
[Alias("itkwasm.OutputLocationInUseException")]
public sealed class OutputLocationInUseException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="location">The output location, as messages show it (never with a SAS).</param>
    /// <param name="holder">The id of the running job that writes there.</param>
    public OutputLocationInUseException(string location, string holder)
        : base($"output.location: {location} is the output location of job {holder}, which is running; wait for it to end, cancel it, or write elsewhere")
    {
        Holder = holder;
    }

    /// <summary>Gets the id of the running job that writes to the location.</summary>
    [Id(0)]
    public string Holder { get; }
}
