using System.Globalization;
using System.Text;
using ItkWasm.IO;
using ItkWasmCluster.Client;
using ItkWasmCluster.Jobs;

namespace ItkWasm.Benchmarks;

/// <summary>
/// How a job's items spread over the silos: 3 silo processes of 1 compute slot each run 600 items of about 100 ms
/// (the project's <c>negate</c> WASI module with <c>--sleep-ms 100</c> on 8×8 images); each silo's share of the items,
/// as the job's report records who ran each. Then the same job on 2 silos, a third joining once 200 items are done:
/// its share of the items left when it joined. The silos run on a private <c>redis-server</c> started here.
/// </summary>
public static class SpreadBenchmarks
{
    private const int Items = 600;
    private const int JoinAfter = 200;

    public static async Task RunAsync(string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-spread-bench").FullName;
        try
        {
            var input = Directory.CreateDirectory(Path.Combine(work, "in")).FullName;
            for (var i = 0; i < Items; i++)
            {
                using var image = new Image(new ImageType()) { Size = [8, 8] };
                image.Data.Dispose();
                image.Data = DataBuffer.Allocate(image.ByteLength);
                ImageFile.Write(image, Path.Combine(input, $"{i:D3}.iwi.cbor"));
            }

            var even = await SpreadAsync(input, Path.Combine(work, "even"), lateJoiner: false).ConfigureAwait(false);
            Console.WriteLine($"spread {string.Join('/', even.Shares)}");
            var late = await SpreadAsync(input, Path.Combine(work, "late"), lateJoiner: true).ConfigureAwait(false);
            Console.WriteLine($"late joiner {string.Join('/', late.Shares)}, after joining {late.JoinerAfterJoin} of {late.LeftAtJoin}");
            Write(markdownPath, even, late);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs the job on 3 silos of 1 slot (the third started once <see cref="JoinAfter"/> items are done when
    /// <paramref name="lateJoiner"/>); returns the items each silo ran, in start order, the items the third ran after
    /// it joined, and the items not yet done when it joined.</summary>
    private static async Task<(int[] Shares, double Seconds, int JoinerAfterJoin, int LeftAtJoin)> SpreadAsync(string input, string output, bool lateJoiner)
    {
        using var store = StoreServer.Redis();
        var clusterId = $"spread-{Guid.NewGuid():N}";
        var silos = (await Task.WhenAll(Enumerable.Range(0, lateJoiner ? 2 : 3).Select(_ => SiloProcess.StartAsync(store, clusterId, concurrency: 1))).ConfigureAwait(false)).ToList();
        try
        {
            using var client = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(silos[0].Url), Token = SiloProcess.Token });
            var job = await client.SubmitJobAsync(new JobSpec
            {
                Name = "spread",
                Input = new DatasetSpec { Location = input },
                Stages = [new StageSpec { Pipeline = Path.Combine(AppContext.BaseDirectory, "modules", "negate.wasi.wasm"), Args = ["--sleep-ms", "100"] }],
                Output = new OutputSpec { Location = output },
            }).ConfigureAwait(false);
            var (doneAtJoin, leftAtJoin) = (new HashSet<int>(), 0);
            if (lateJoiner)
            {
                await foreach (var p in job.WatchAsync().ConfigureAwait(false))
                {
                    if (p.Event is { Status: ItemStatus.Succeeded } e)
                    {
                        doneAtJoin.Add(e.Index);
                    }

                    if (p.Counts.Succeeded >= JoinAfter)
                    {
                        leftAtJoin = p.Counts.Total - p.Counts.Succeeded;
                        break;
                    }
                }

                silos.Add(await SiloProcess.StartAsync(store, clusterId, concurrency: 1).ConfigureAwait(false));
            }

            var summary = await job.WaitForCompletionAsync().WaitAsync(TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            if (summary.State != JobState.Succeeded)
            {
                throw new InvalidOperationException($"the spread job ended {summary.State}");
            }

            var shares = silos.Select(s => summary.Items.Count(i => i.Silo == s.Address)).ToArray();
            var joiner = lateJoiner ? summary.Items.Count(i => i.Silo == silos[2].Address) : 0;
            return (shares, summary.Elapsed.TotalSeconds, joiner, leftAtJoin);
        }
        finally
        {
            foreach (var silo in silos)
            {
                silo.Dispose();
            }
        }
    }

    private static void Write(string markdownPath, (int[] Shares, double Seconds, int, int) even, (int[] Shares, double Seconds, int JoinerAfterJoin, int LeftAtJoin) late)
    {
        string Percent(int n) => (100.0 * n / Items).ToString("F1", CultureInfo.InvariantCulture);
        var section = new StringBuilder()
            .AppendLine("## Spread: how a job's items go over the silos")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run spread` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, silos on a private `redis-server` (Debian's) on 127.0.0.1. 3 silo processes of 1 compute slot each run {Items} items of about 100 ms (the project's `negate` WASI module with `--sleep-ms 100` on 8×8 images); each silo's share is counted from the job's report (the silo that ran each item). Late joiner: the same job on 2 silos, a third started once {JoinAfter} items are done; its share is of the items not done when it joined (a third of them would be its part of the slots). One run of each."))
            .AppendLine()
            .AppendLine("| measurement | value | target |")
            .AppendLine("| --- | ---: | --- |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| 3 silos × 1 slot: items per silo | {string.Join(" / ", even.Shares)} ({string.Join("% / ", even.Shares.Select(Percent))}%), the job {even.Seconds:F1} s | each 33% ± 5% |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| late joiner: items per silo (the third joined with {late.LeftAtJoin} left) | {string.Join(" / ", late.Shares)} | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| late joiner's share of the items left when it joined | {100.0 * late.JoinerAfterJoin / late.LeftAtJoin:F1}% | about 33% |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "spread", section);
    }
}
