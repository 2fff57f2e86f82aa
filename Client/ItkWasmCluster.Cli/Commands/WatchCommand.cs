using System.CommandLine;
using System.Globalization;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster watch JOBID</c>: prints a line whenever a remote job's counts change, then how it ended. Exit
/// code 0 when the job succeeded, 1 when items failed or it was cancelled.
/// </summary>
internal static class WatchCommand
{
    public static Command Create(TextWriter stdout)
    {
        var id = new Argument<string>("jobid") { Description = "The id submit printed." };
        var connection = new ClusterConnection();
        var command = new Command("watch", "Streams a remote job's progress until it ends; exit code 0 when it succeeded, 1 otherwise.") { id };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = connection.CreateClient(parse);
            var operation = (await client.GetJobAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false));
            JobCounts? last = null;
            await foreach (var p in operation.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                var c = p.Counts;
                if (c == last)
                {
                    continue;
                }

                last = c;
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[{c.Succeeded + c.Failed}/{c.Total}] {c.Succeeded} succeeded, {c.Failed} failed, {c.Running} running, {c.Pending} pending")).ConfigureAwait(false);
            }

            var status = await client.GetStatusAsync(operation.Id, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync($"{status.Name} ({status.Id}): {status.State.ToString().ToLowerInvariant()}; report: {status.Output.TrimEnd('/')}/job.json").ConfigureAwait(false);
            return status.State == JobState.Succeeded ? CliApp.Success : CliApp.Failure;
        });
        return command;
    }
}
