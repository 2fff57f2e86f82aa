namespace ItkWasmCluster.Grains.Workers;

/// <summary>A stage's pipeline does not fit the job's image-in, image-out shape.</summary>
public sealed class StageException(int position, string problem)
    : Exception($"stages[{position}]: {problem}")
{
    /// <summary>Gets the stage's position in the job.</summary>
    public int Position => position;
}
