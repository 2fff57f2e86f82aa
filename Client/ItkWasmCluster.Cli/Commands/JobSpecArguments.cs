using System.CommandLine;
using System.Text.Json.Nodes;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// The job of <c>run</c> and <c>submit</c>: a job spec file, or the short form <c>--input DIR --output DIR --pipeline P
/// -- ARGS</c> for one stage over every file of a folder.
/// </summary>
internal sealed class JobSpecArguments
{
    private readonly Argument<string?> jobFile = new("jobspec") { Description = "A job spec, .yaml or .json (see samples/job.yaml).", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<string?> input = new("--input") { Description = "Short form: the dataset folder." };
    private readonly Option<string?> output = new("--output") { Description = "Short form: where results go." };
    private readonly Option<string?> pipeline = new("--pipeline") { Description = "Short form: the pipeline, e.g. @itk-wasm/downsample:downsample; its arguments follow --." };
    private readonly Option<string[]> include = new("--include") { Description = "Short form: glob patterns of items (default **/*).", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> format = new("--format") { Description = "Short form: the results' extension.", DefaultValueFactory = _ => ".iwi.cbor" };
    private readonly Option<int> retries = new("--retries") { Description = "Short form: retries per failed item.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> timeout = new("--timeout") { Description = "Short form: seconds per item.", DefaultValueFactory = _ => 600 };

    /// <summary>Adds the argument and options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        AtLeast(retries, 0, "retries per failed item");
        AtLeast(timeout, 1, "seconds per item");
        command.Arguments.Add(jobFile);
        foreach (var option in new Option[] { input, output, pipeline, include, format, retries, timeout })
        {
            command.Options.Add(option);
        }
    }

    private static void AtLeast(Option<int> option, int least, string what) =>
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var n && n < least)
            {
                result.AddError($"{option.Name} must be at least {least} ({what}), not {n}");
            }
        });

    /// <summary>Reads the job: the spec file, or the short form with <paramref name="pipelineArgs"/> (the tokens after
    /// <c>--</c>). Relative paths resolve against the spec's folder, or the current one for the short form.</summary>
    /// <exception cref="CliUsageException">Neither a spec nor the whole short form was given.</exception>
    /// <exception cref="JobSpecException">The spec is unusable; the message names the field.</exception>
    public JobSpec Read(ParseResult parse, IReadOnlyList<string> pipelineArgs)
    {
        if (parse.GetValue(jobFile) is { } path)
        {
            return JobSpecParser.ReadFile(path, warning => Console.Error.WriteLine($"itkwasm-cluster: warning: {warning}"));
        }

        var (inputDir, outputDir, stage) = (parse.GetValue(input), parse.GetValue(output), parse.GetValue(pipeline));
        var missing = new[] { ("--input", inputDir), ("--output", outputDir), ("--pipeline", stage) }.Where(o => o.Item2 is null).Select(o => o.Item1).ToArray();
        if (missing.Length > 0)
        {
            throw new CliUsageException($"give a job spec, or {string.Join(", ", missing)} (with --input, --output and --pipeline)");
        }

        var patterns = parse.GetValue(include) is { Length: > 0 } given ? given : ["**/*"];
        return JobSpecParser.FromJson(new JsonObject
        {
            ["name"] = Path.GetFileName(Path.GetFullPath(inputDir!).TrimEnd('/')),
            ["input"] = new JsonObject
            {
                ["location"] = inputDir,
                ["include"] = new JsonArray(patterns.Select(i => (JsonNode?)i).ToArray()),
            },
            ["stages"] = new JsonArray(new JsonObject
            {
                ["pipeline"] = stage,
                ["args"] = new JsonArray(pipelineArgs.Select(a => (JsonNode?)a).ToArray()),
            }),
            ["output"] = new JsonObject { ["location"] = outputDir, ["format"] = parse.GetValue(format) },
            ["retries"] = parse.GetValue(retries),
            [JobSpecParser.ItemTimeoutKey] = parse.GetValue(timeout),
        }, Directory.GetCurrentDirectory());
    }
}
