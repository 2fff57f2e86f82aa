namespace ItkWasmCluster.Jobs;

/// <summary>A job spec is invalid. <see cref="Field"/> names the field (for example <c>stages[1].pipeline</c>), and
/// the message says what is wrong with it. It crosses grain calls whole, so a silo's refusal reaches the caller.</summary>
[GenerateSerializer]
[Alias("itkwasm.JobSpecException")]
public sealed class JobSpecException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JobSpecException(string field, string problem, Exception? innerException = null)
        : base($"{field}: {problem}", innerException)
    {
        Field = field;
    }

    /// <summary>Gets the path of the invalid field.</summary>
    [Id(0)]
    public string Field { get; }
}
