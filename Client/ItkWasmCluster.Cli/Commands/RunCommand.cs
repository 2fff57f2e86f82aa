using System.CommandLine;
using System.Globalization;
using ItkWasmCluster.Client;
using ItkWasmCluster.Embedded;
using ItkWasmCluster.Jobs;
using Spectre.Console;

namespace ItkWasmCluster.Cli.Commands;

/// <summary>
/// <c>itkwasm-cluster run JOBSPEC</c>, or <c>run --input DIR --output DIR --pipeline P -- ARGS</c>: runs a job on the
/// embedded cluster (this process), with live progress, a summary table, and <c>job.json</c> in the output location.
/// Exit code 0 when every item succeeded, 1 when some failed, 130 when interrupted (the job resumes when run again).
/// </summary>
internal static class RunCommand
{
    /// <summary>Creates the command; <paramref name="pipelineArgs"/> are the tokens after <c>--</c>.</summary>
    public static Command Create(IReadOnlyList<string> pipelineArgs, TextWriter stdout, bool interactive)
    {
        var job = new JobSpecArguments();
        var concurrency = new Option<int>("--concurrency") { Description = "Items at once, 1 to 256 (default: processor count).", DefaultValueFactory = _ => Environment.ProcessorCount };
        concurrency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is var n && n is < 1 or > 256)
            {
                result.AddError($"--concurrency must be 1 to 256 (items at once), not {n}");
            }
        });
        var command = new Command("run", "Runs a job: pipeline stages over every item of a dataset, on this machine. Run it again to resume an interrupted job; a finished one does no work.")
        {
            concurrency,
        };
        job.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var spec = job.Read(parse, pipelineArgs);
            using var client = new ItkWasmClusterClient(new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = parse.GetValue(concurrency) }));
            var operation = await client.SubmitJobAsync(spec, cancellationToken).ConfigureAwait(false);
            using var stop = cancellationToken.Register(() => operation.CancelAsync(CancellationToken.None));
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Out = new AnsiConsoleOutput(stdout),
                Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
                Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            });
            var ran = interactive
                ? await ShowBarAsync(console, operation).ConfigureAwait(false)
                : await ShowLinesAsync(stdout, operation).ConfigureAwait(false);
            var summary = await operation.WaitForCompletionAsync(CancellationToken.None).ConfigureAwait(false);
            WriteSummary(console, spec, summary, ran);
            return summary.State switch
            {
                JobState.Succeeded => CliApp.Success,
                JobState.Cancelled => CliApp.Interrupted,
                _ => CliApp.Failure,
            };
        });
        return command;
    }

    /// <summary>Shows a live bar; returns how many items this run computed.</summary>
    private static async Task<int> ShowBarAsync(IAnsiConsole console, JobOperation job)
    {
        var ran = 0;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("starting");
                var chunked = new Dictionary<int, (int Done, int Total)>(); // the items running by chunks, and how far
                await foreach (var p in job.WatchAsync().ConfigureAwait(false))
                {
                    ran += Computed(p.Event);
                    if (p.Event is { ChunksTotal: > 0 } e)
                    {
                        if (e.Status is ItemStatus.Succeeded or ItemStatus.Failed)
                        {
                            chunked.Remove(e.Index);
                        }
                        else
                        {
                            chunked[e.Index] = (e.ChunksDone, e.ChunksTotal);
                        }
                    }

                    var done = p.Counts.Succeeded + p.Counts.Failed;
                    bar.MaxValue = Math.Max(1, p.Counts.Total);
                    bar.Value = done + chunked.Values.Sum(c => (double)c.Done / c.Total);
                    var rate = p.Elapsed.TotalSeconds > 0 ? ran / p.Elapsed.TotalSeconds : 0;
                    var chunks = chunked.Count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" · chunks {chunked.Values.Sum(c => c.Done)}/{chunked.Values.Sum(c => c.Total)}");
                    bar.Description = string.Create(CultureInfo.InvariantCulture,
                        $"[green]{p.Counts.Succeeded} done[/] [red]{p.Counts.Failed} failed[/] {p.Counts.Running} running{chunks} · {rate:F1} items/s");
                }

                bar.StopTask();
            }).ConfigureAwait(false);
        return ran;
    }

    /// <summary>Writes a line per finished item; returns how many items this run computed.</summary>
    private static async Task<int> ShowLinesAsync(TextWriter stdout, JobOperation job)
    {
        var ran = 0;
        await foreach (var p in job.WatchAsync().ConfigureAwait(false))
        {
            ran += Computed(p.Event);
            if (p.Event is not { Status: not ItemStatus.Running } e)
            {
                continue;
            }

            var done = p.Counts.Succeeded + p.Counts.Failed;
            var what = e.Status switch
            {
                ItemStatus.Succeeded when e.Reused => "unchanged",
                ItemStatus.Succeeded => "succeeded",
                ItemStatus.Failed => "FAILED",
                _ => "retrying",
            };
            var line = string.Create(CultureInfo.InvariantCulture,
                $"[{done}/{p.Counts.Total}] {what} {e.Input} -> {e.Output} (attempt {e.Attempt}, {e.Duration.TotalMilliseconds:F0} ms)");
            await stdout.WriteLineAsync(e.Error is null ? line : $"{line}: {e.Error}").ConfigureAwait(false);
        }

        return ran;
    }

    private static int Computed(ItemEvent? e) => e is { Status: ItemStatus.Succeeded or ItemStatus.Failed, Reused: false } ? 1 : 0;

    private static void WriteSummary(IAnsiConsole console, JobSpec spec, JobSummary summary, int ran)
    {
        // Items finished before this run, or found already committed, count as unchanged.
        var reused = summary.Counts.Succeeded + summary.Counts.Failed - ran;
        var rate = summary.Elapsed.TotalSeconds > 0 ? ran / summary.Elapsed.TotalSeconds : 0;
        var table = new Table().Title($"{Markup.Escape(spec.Name)}: {summary.State.ToString().ToLowerInvariant()}").AddColumns("items", "succeeded", "unchanged", "failed", "pending", "elapsed", "items/s");
        table.AddRow(
            summary.Counts.Total.ToString(CultureInfo.InvariantCulture), summary.Counts.Succeeded.ToString(CultureInfo.InvariantCulture),
            reused.ToString(CultureInfo.InvariantCulture), summary.Counts.Failed.ToString(CultureInfo.InvariantCulture),
            (summary.Counts.Pending + summary.Counts.Running).ToString(CultureInfo.InvariantCulture),
            summary.Elapsed.ToString(@"hh\:mm\:ss\.f", CultureInfo.InvariantCulture), rate.ToString("F1", CultureInfo.InvariantCulture));
        console.Write(table);
        foreach (var failed in summary.Items.Where(t => t.Status == ItemStatus.Failed))
        {
            console.MarkupLine($"[red]failed[/] {Markup.Escape(failed.Input)} after {failed.Attempts} attempt{(failed.Attempts == 1 ? string.Empty : "s")}: {Markup.Escape(failed.Error ?? string.Empty)}");
        }

        // What ran the stages (the module, or an override such as simd or gpu:cuda), by item.
        var implementations = summary.Items.Where(i => i.Implementations is not null).GroupBy(i => i.Implementations!, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} ×{g.Count()}")).ToArray();
        if (implementations.Length > 0)
        {
            console.WriteLine($"stages ran on: {string.Join(", ", implementations)}");
        }

        console.WriteLine($"report: {summary.Report}");
    }
}
