using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasm.Runtime;
using ItkWasm.Runtime.Node;
using ItkWasmCluster.Client;
using ItkWasmCluster.Grains;
using ItkWasmCluster.Grains.Tests;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasm.Benchmarks;

/// <summary>
/// The distributed cluster: claims per second of the PostgreSQL job store with 8 concurrent claimers (claim, then
/// complete, as a silo does), against the embedded SQLite store doing the same; and a job's throughput on 2 silo
/// processes against the embedded cluster with the same total concurrency.
/// </summary>
public static class ClusterBenchmarks
{
    private const int Claimers = 8;
    private const int Tasks = 4000;
    private const int Repeats = 3;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-cluster-bench").FullName;
        try
        {
            using var postgres = new PostgresServer();
            var claims = await ClaimsAsync(postgres, work).ConfigureAwait(false);
            var jobs = await SilosAsync(postgres, root, work).ConfigureAwait(false);
            Write(markdownPath, claims, jobs);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(ClaimRun Postgres, ClaimRun Sqlite)> ClaimsAsync(PostgresServer postgres, string work)
    {
        // A database of its own: the claim rounds leave tens of thousands of dead row versions behind, which the job
        // comparison should not inherit before autovacuum gets to them.
        await using (var admin = new Npgsql.NpgsqlConnection(postgres.ConnectionString))
        {
            await admin.OpenAsync().ConfigureAwait(false);
            await using var create = new Npgsql.NpgsqlCommand("CREATE DATABASE claims", admin);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await using var pg = new PostgresJobStore(postgres.ConnectionString.Replace("Database=postgres", "Database=claims", StringComparison.Ordinal));
        await pg.InitializeAsync().ConfigureAwait(false);
        var sqlite = new SqliteJobStore(Path.Combine(work, "claims.db"));
        await sqlite.InitializeAsync().ConfigureAwait(false);
        await ClaimRoundAsync(pg, "warm-pg", 500).ConfigureAwait(false);
        await ClaimRoundAsync(sqlite, "warm-sqlite", 500).ConfigureAwait(false);
        var (pgRuns, sqliteRuns) = (new List<ClaimRun>(), new List<ClaimRun>());
        for (var r = 0; r < Repeats; r++)
        {
            pgRuns.Add(await ClaimRoundAsync(pg, $"pg-{r}", Tasks).ConfigureAwait(false));
            sqliteRuns.Add(await ClaimRoundAsync(sqlite, $"sqlite-{r}", Tasks).ConfigureAwait(false));
        }

        return (pgRuns.OrderBy(c => c.PerSecond).ElementAt(Repeats / 2), sqliteRuns.OrderBy(c => c.PerSecond).ElementAt(Repeats / 2));
    }

    /// <summary>Creates a job of <paramref name="count"/> tasks; 8 claimers claim and complete them until none are left.</summary>
    private static async Task<ClaimRun> ClaimRoundAsync(IJobStore store, string jobId, int count)
    {
        var spec = new JobSpec
        {
            Name = jobId,
            Input = new DatasetSpec { Location = "/in" },
            Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample" }],
            Output = new OutputSpec { Location = "/out" },
        };
        await store.CreateOrGetJobAsync(jobId, spec).ConfigureAwait(false);
        await store.SyncTasksAsync(jobId, Enumerable.Range(0, count).Select(i => new TaskItem($"{i:D5}.iwi.cbor", $"{i:D5}.iwi.cbor", "v")).ToArray()).ConfigureAwait(false);
        var latencies = new List<double>[Claimers];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Claimers).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                var lease = await store.ClaimAsync(jobId, $"claimer-{c}", Lease).ConfigureAwait(false);
                if (lease is null)
                {
                    return;
                }

                latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                await store.CompleteAsync(lease, new TaskOutcome(TaskState.Succeeded, TimeSpan.FromMilliseconds(1))).ConfigureAwait(false);
            }
        }))).ConfigureAwait(false);
        var elapsed = watch.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        if (all.Length != count)
        {
            throw new InvalidOperationException($"{all.Length} claims for {count} tasks");
        }

        return new ClaimRun(count / elapsed, all[all.Length / 2], all[(int)Math.Ceiling(all.Length * 0.99) - 1]);
    }

    /// <summary>The 200-image downsample job of <see cref="JobBenchmarks"/> on 2 silos of concurrency 1 and on the
    /// embedded cluster of concurrency 2, alternating; returns the median times in milliseconds.</summary>
    private static async Task<(double Silos, double Embedded)> SilosAsync(PostgresServer postgres, string root, string work)
    {
        var nodeModules = Path.Combine(root, "node_modules");
        var input = Directory.CreateDirectory(Path.Combine(work, "in")).FullName;
        await JobBenchmarks.PrepareAsync(Path.Combine(root, "..", "shared", "data"), input, nodeModules).ConfigureAwait(false);
        using var a = await SiloProcess.StartAsync(postgres.ConnectionString, concurrency: 1, leaseSeconds: 30).ConfigureAwait(false);
        using var b = await SiloProcess.StartAsync(postgres.ConnectionString, concurrency: 1, leaseSeconds: 30).ConfigureAwait(false);
        using var remote = new ItkWasmClusterClient(new ItkWasmClusterClientOptions { Endpoint = new Uri(a.Url), Token = SiloProcess.Token });
        using var cluster = new EmbeddedCluster(new EmbeddedClusterOptions { Concurrency = 2, Runtime = new WasmRuntimeOptions { Node = new NodeWasmRuntimeOptions { NodeModulesDirectory = nodeModules } } });
        // Silos are long-running services; a fresh process runs its first jobs on unoptimized JIT code (the first
        // 200-image job took 3.0 s, the fifth 1.1 s), so both sides first run two whole jobs.
        for (var w = 0; w < 2; w++)
        {
            await RemoteJobAsync(remote, input, Path.Combine(work, $"warm-silos-{w}"), "**/*").ConfigureAwait(false);
            await EmbeddedJobAsync(cluster, input, Path.Combine(work, $"warm-embedded-{w}"), "**/*").ConfigureAwait(false);
        }

        var (silos, embedded) = (new List<double>(), new List<double>());
        for (var r = 0; r < 5; r++)
        {
            silos.Add(await RemoteJobAsync(remote, input, Path.Combine(work, $"silos-{r}"), "**/*").ConfigureAwait(false));
            embedded.Add(await EmbeddedJobAsync(cluster, input, Path.Combine(work, $"embedded-{r}"), "**/*").ConfigureAwait(false));
        }

        return (JobBenchmarks.Median(silos), JobBenchmarks.Median(embedded));
    }

    private static JobSpec Spec(string input, string output, string include) => new()
    {
        Name = "bench",
        Input = new DatasetSpec { Location = input, Include = [include] },
        Stages = [new StageSpec { Pipeline = "@itk-wasm/downsample:downsample", Args = ["--shrink-factors", "2", "2"] }],
        Output = new OutputSpec { Location = output },
    };

    /// <summary>Submits, waits, and returns the time from submission to the job's end as the database recorded it (the
    /// same machine's clock), so that how often the status is polled does not blur the end.</summary>
    private static async Task<double> RemoteJobAsync(ItkWasmClusterClient client, string input, string output, string include)
    {
        var submitted = DateTimeOffset.UtcNow;
        var job = await client.SubmitJobAsync(Spec(input, output, include)).ConfigureAwait(false);
        JobStatus status;
        while ((status = await client.GetStatusAsync(job.Id).ConfigureAwait(false)).State == JobState.Running)
        {
            await Task.Delay(200).ConfigureAwait(false);
        }

        return status.State == JobState.Succeeded ? (status.Finished!.Value - submitted).TotalMilliseconds : throw new InvalidOperationException($"the benchmark job ended {status.State}");
    }

    private static async Task<double> EmbeddedJobAsync(EmbeddedCluster cluster, string input, string output, string include)
    {
        var watch = Stopwatch.StartNew();
        await using var job = await cluster.StartJobAsync(Spec(input, output, include)).ConfigureAwait(false);
        var summary = await job.Completion.ConfigureAwait(false);
        var elapsed = watch.Elapsed.TotalMilliseconds;
        return summary.State == JobState.Succeeded ? elapsed : throw new InvalidOperationException($"the benchmark job ended {summary.State}");
    }

    private static void Write(string markdownPath, (ClaimRun Postgres, ClaimRun Sqlite) claims, (double Silos, double Embedded) jobs)
    {
        var (pg, sqlite) = claims;
        var n = JobBenchmarks.Count;
        var section = new StringBuilder()
            .AppendLine("## The distributed cluster: PostgreSQL claims, and 2 silos against the embedded cluster")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run cluster` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, PostgreSQL from Debian on 127.0.0.1 (a private server, fsync off). Claims: {Claimers} concurrent claimers each claim a task (`SELECT … FOR UPDATE SKIP LOCKED` under a lease on the database clock) and complete it (fenced by attempt), until {Tasks} tasks are done; median of {Repeats} rounds, alternating with the embedded SQLite store doing the same. Jobs: the {n}-image downsample job of the section above, submitted over HTTP to 2 silo processes of concurrency 1 each, against the embedded cluster of concurrency 2 in this process; medians of 5 runs of each, alternating, after two whole warm-up jobs on each side (silos are long-running; a fresh process runs its first jobs on unoptimized JIT code)."))
            .AppendLine()
            .AppendLine("| measurement | value | target |")
            .AppendLine("| --- | ---: | --- |")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| PostgreSQL store, {Claimers} claimers | {pg.PerSecond:F0} claims/s | ≥ 1,000/s |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| PostgreSQL claim latency, median / p99 | {pg.Median:F2} / {pg.P99:F2} ms | p99 < 50 ms |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| embedded SQLite store, {Claimers} claimers (peer) | {sqlite.PerSecond:F0} claims/s, p99 {sqlite.P99:F2} ms | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| PostgreSQL ÷ SQLite claims/s | {pg.PerSecond / sqlite.PerSecond:F2}× | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| 2 silos (1 + 1), {n} images | {jobs.Silos:F0} ms ({n / jobs.Silos * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| embedded cluster (2), {n} images | {jobs.Embedded:F0} ms ({n / jobs.Embedded * 1000:F1} images/s) | |"))
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| 2 silos ÷ embedded throughput | {jobs.Embedded / jobs.Silos:F2}× | ≥ 0.9× |"))
            .ToString();
        BenchmarkReport.WriteSection(markdownPath, "cluster", section);
    }

    private sealed record ClaimRun(double PerSecond, double Median, double P99);
}
