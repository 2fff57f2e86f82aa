namespace ItkWasmCluster.Cli;

/// <summary>A mistake in the command line that the parser could not see (it depends on the pipeline's interface);
/// exits with the usage-error code.</summary>
public sealed class CliUsageException(string message) : Exception(message);
