using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ItkWasmCluster.Cli.Commands;

/// <summary><c>itkwasm-cluster status JOBID</c>: prints a remote job's state and counts as JSON.</summary>
internal static class StatusCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static Command Create(TextWriter stdout)
    {
        var id = new Argument<string>("jobid") { Description = "The id submit printed." };
        var connection = new ClusterConnection();
        var command = new Command("status", "Prints a remote job's state and counts as JSON.") { id };
        connection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var client = connection.CreateClient(parse);
            var status = await client.GetStatusAsync(parse.GetValue(id)!, cancellationToken).ConfigureAwait(false);
            await stdout.WriteLineAsync(JsonSerializer.Serialize(status, Json)).ConfigureAwait(false);
            return CliApp.Success;
        });
        return command;
    }
}
