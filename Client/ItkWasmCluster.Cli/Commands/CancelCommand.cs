using System.CommandLine;

namespace ItkWasmCluster.Cli.Commands;

/// <summary><c>itkwasm-cluster cancel JOBID</c>: cancels a remote job; its finished items stay, and submitting it again
/// resumes it.</summary>
internal static class CancelCommand
{
    public static Command Create(TextWriter stdout)
    {
        var id = new Argument<string>("jobid") { Description = "The id submit printed." };
        var connection = new ClusterConnection();
        var command = new Command("cancel", "Cancels a remote job; submitting it again resumes it.") { id };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = connection.CreateClient(parse);
            await (await client.GetJobAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false)).CancelAsync(cancellationToken).ConfigureAwait(false);
            var status = await client.GetStatusAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"{status.Id}: {status.State.ToString().ToLowerInvariant()}").ConfigureAwait(false);
            return CliApp.Success;
        });
        return command;
    }
}
