using System.CommandLine;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster submit --cluster URL --token TOKEN (JOBSPEC | --input DIR --output DIR --pipeline P -- ARGS)</c>:
/// submits a job to a remote cluster and prints its id as the last line. Paths are resolved here and must be ones every
/// silo can see. Submitting the same spec again returns the same job.
/// </summary>
internal static class SubmitCommand
{
    /// <summary>Creates the command; <paramref name="pipelineArgs"/> are the tokens after <c>--</c>.</summary>
    public static Command Create(IReadOnlyList<string> pipelineArgs, TextWriter stdout)
    {
        var job = new JobSpecArguments();
        var connection = new ClusterConnection();
        var command = new Command("submit", "Submits a job to a remote cluster and prints its id (last line). Input and output must be paths every silo can see.");
        job.AddTo(command);
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var spec = job.Read(parse, pipelineArgs);
            using var client = connection.CreateClient(parse);
            var operation = await client.SubmitJobAsync(spec, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"submitted {spec.Name}; watch it with: itkwasm-cluster watch {operation.Id}").ConfigureAwait(false);
            await stdout.WriteLineAsync(operation.Id).ConfigureAwait(false);
            return CliApp.Success;
        });
        return command;
    }
}
