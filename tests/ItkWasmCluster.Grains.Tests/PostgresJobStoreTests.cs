using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains.Tests;

/// <summary>The PostgreSQL job store against a real server.</summary>
[Trait("Category", "Postgres")]
public sealed class PostgresJobStoreTests : IClassFixture<PostgresJobStoreTests.Server>
{
    private static readonly JobSpec Spec = new()
    {
        Name = "t",
        Input = new DatasetSpec { Location = "/in" },
        Output = new OutputSpec { Location = "/out" },
        Stages = [new StageSpec { Pipeline = "p" }],
    };

    private readonly PostgresServer server;

    public PostgresJobStoreTests(Server fixture) => server = fixture.Instance;

    [Fact]
    public async Task ConcurrentClaimers_NeverTakeTheSameTask()
    {
        await using var store = await NewJobAsync("race", 200);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var mine = new List<int>();
            while (await store.ClaimAsync("race", $"w{w}", TimeSpan.FromMinutes(1)) is { } lease)
            {
                mine.Add(lease.Index);
            }

            return mine;
        })));

        var all = claims.SelectMany(c => c).ToArray();
        Assert.Equal(200, all.Length);
        Assert.Equal(200, all.Distinct().Count());
    }

    [Fact]
    public async Task LapsedLease_IsReclaimed_AndTheOldHolderIsFencedOut()
    {
        await using var store = await NewJobAsync("lapse", 1);
        var first = (await store.ClaimAnyAsync("silo-1", TimeSpan.FromMilliseconds(300)))!;

        Assert.Null(await store.ClaimAnyAsync("silo-2", TimeSpan.FromSeconds(30)));
        await Task.Delay(600);
        var second = (await store.ClaimAnyAsync("silo-2", TimeSpan.FromSeconds(30)))!;

        Assert.Equal(("lapse", 2), (second.JobId, second.Attempt));
        Assert.False(await store.CompleteAsync(first, new TaskOutcome(TaskState.Succeeded, TimeSpan.Zero)));
        Assert.True(await store.CompleteAsync(second, new TaskOutcome(TaskState.Succeeded, TimeSpan.Zero, ContentKey: "k")));
        Assert.Equal(new Dictionary<string, string> { ["k"] = "t0.out" }, await store.FindResultsAsync(["k", "absent"]));
    }

    [Fact]
    public async Task CancelledJob_StopsRenewalsAndClaims()
    {
        await using var store = await NewJobAsync("cancel", 2);
        var lease = (await store.ClaimAsync("cancel", "w", TimeSpan.FromSeconds(30)))!;

        await store.SetJobStateAsync("cancel", JobState.Cancelled);

        Assert.False(await store.RenewAsync(lease, TimeSpan.FromSeconds(30)));
        Assert.Null(await store.ClaimAnyAsync("w", TimeSpan.FromSeconds(30)));
        Assert.True(await store.TryFinishJobAsync("other-running", JobState.Succeeded) is false);
    }

    [Fact]
    public async Task RetryDelay_IsMeasuredOnTheDatabaseClock()
    {
        await using var store = await NewJobAsync("retry", 1);
        var lease = (await store.ClaimAsync("retry", "w", TimeSpan.FromSeconds(30)))!;
        await store.CompleteAsync(lease, new TaskOutcome(TaskState.Pending, TimeSpan.Zero, "boom", RetryDelay: TimeSpan.FromMilliseconds(500)));

        Assert.Null(await store.ClaimAsync("retry", "w", TimeSpan.FromSeconds(30)));
        await Task.Delay(700);
        Assert.Equal(2, (await store.ClaimAsync("retry", "w", TimeSpan.FromSeconds(30)))!.Attempt);
    }

    [Fact]
    public async Task IdempotencyKey_MapsToTheFirstJob()
    {
        await using var store = new PostgresJobStore(server.ConnectionString);
        await store.InitializeAsync();

        Assert.Equal("job-a", await store.RecordSubmissionAsync("key-1", "job-a"));
        Assert.Equal("job-a", await store.RecordSubmissionAsync("key-1", "job-b"));
    }

    private async Task<PostgresJobStore> NewJobAsync(string id, int tasks)
    {
        var store = new PostgresJobStore(server.ConnectionString);
        await store.InitializeAsync();
        await store.CreateOrGetJobAsync(id, Spec);
        await store.SyncTasksAsync(id, Enumerable.Range(0, tasks).Select(i => new TaskItem($"t{i}.in", $"t{i}.out", "1")).ToArray());
        return store;
    }

    public sealed class Server : IDisposable
    {
        public PostgresServer Instance { get; } = new();

        public void Dispose() => Instance.Dispose();
    }
}
