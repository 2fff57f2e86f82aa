using ItkWasm.Tests;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains.Tests;

/// <summary>Leases, fencing and resumption of the SQLite job store, on a controllable clock.</summary>
public class SqliteJobStoreTests
{
    private static readonly JobSpec Spec = new()
    {
        Name = "t",
        Input = new DatasetSpec { Location = "/in" },
        Output = new OutputSpec { Location = "/out" },
        Stages = [new StageSpec { Pipeline = "p" }],
    };

    [Fact]
    public async Task Claim_LapsedLease_IsReclaimedAndTheOldHolderIsFencedOut()
    {
        using var temp = new TempDirectory();
        var clock = new ManualClock();
        var store = await NewStoreAsync(temp, clock, "a.png");
        var first = (await store.ClaimAsync("job", "silo-1", TimeSpan.FromSeconds(30)))!;

        Assert.Null(await store.ClaimAsync("job", "silo-2", TimeSpan.FromSeconds(30)));
        clock.Advance(TimeSpan.FromSeconds(31));
        var second = (await store.ClaimAsync("job", "silo-2", TimeSpan.FromSeconds(30)))!;

        Assert.Equal((1, 2), (first.Attempt, second.Attempt));
        Assert.False(await store.CompleteAsync(first, new TaskOutcome(TaskState.Succeeded, TimeSpan.Zero)));
        Assert.False(await store.RenewAsync(first, TimeSpan.FromSeconds(30)));
        Assert.True(await store.CompleteAsync(second, new TaskOutcome(TaskState.Succeeded, TimeSpan.Zero)));
        Assert.Equal(1, (await store.GetCountsAsync("job")).Succeeded);
    }

    [Fact]
    public async Task Renew_KeepsTheClaim()
    {
        using var temp = new TempDirectory();
        var clock = new ManualClock();
        var store = await NewStoreAsync(temp, clock, "a.png");
        var lease = (await store.ClaimAsync("job", "silo-1", TimeSpan.FromSeconds(30)))!;

        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await store.RenewAsync(lease, TimeSpan.FromSeconds(30)));
        clock.Advance(TimeSpan.FromSeconds(20));

        Assert.Null(await store.ClaimAsync("job", "silo-2", TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Retry_WaitsForItsBackoff()
    {
        using var temp = new TempDirectory();
        var clock = new ManualClock();
        var store = await NewStoreAsync(temp, clock, "a.png");
        var lease = (await store.ClaimAsync("job", "w", TimeSpan.FromSeconds(30)))!;
        await store.CompleteAsync(lease, new TaskOutcome(TaskState.Pending, TimeSpan.Zero, "boom", RetryDelay: TimeSpan.FromSeconds(5)));

        Assert.Null(await store.ClaimAsync("job", "w", TimeSpan.FromSeconds(30)));
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(2, (await store.ClaimAsync("job", "w", TimeSpan.FromSeconds(30)))!.Attempt);
    }

    [Fact]
    public async Task Sync_AddsNewItems_ReopensChangedOnes_DropsVanishedOnes()
    {
        using var temp = new TempDirectory();
        var store = await NewStoreAsync(temp, new ManualClock(), "a.png", "b.png");
        foreach (var _ in new[] { 1, 2 })
        {
            var lease = (await store.ClaimAsync("job", "w", TimeSpan.FromSeconds(30)))!;
            await store.CompleteAsync(lease, new TaskOutcome(TaskState.Succeeded, TimeSpan.Zero));
        }

        await store.SyncTasksAsync("job", [new TaskItem("a.png", "a.iwi.cbor", "1:1"), new TaskItem("b.png", "b.iwi.cbor", "2:2"), new TaskItem("c.png", "c.iwi.cbor", "1:1")]);

        var tasks = await store.GetTasksAsync("job");
        Assert.Equal([("a.png", TaskState.Succeeded), ("b.png", TaskState.Pending), ("c.png", TaskState.Pending)], tasks.Select(t => (t.Input, t.State)));
        await store.SyncTasksAsync("job", [new TaskItem("c.png", "c.iwi.cbor", "1:1")]);
        Assert.Equal(["c.png"], (await store.GetTasksAsync("job")).Select(t => t.Input));
    }

    [Fact]
    public async Task ReleaseRunning_GivesInterruptedTasksBackWithoutCountingTheAttempt()
    {
        using var temp = new TempDirectory();
        var store = await NewStoreAsync(temp, new ManualClock(), "a.png");
        await store.ClaimAsync("job", "killed-process", TimeSpan.FromSeconds(30));

        await store.ReleaseRunningAsync("job");

        var task = Assert.Single(await store.GetTasksAsync("job"));
        Assert.Equal((TaskState.Pending, 0), (task.State, task.Attempts));
    }

    private static async Task<SqliteJobStore> NewStoreAsync(TempDirectory temp, TimeProvider clock, params string[] inputs)
    {
        var store = new SqliteJobStore(temp.Combine("state.db"), clock);
        await store.InitializeAsync();
        await store.CreateOrGetJobAsync("job", Spec);
        await store.SyncTasksAsync("job", inputs.Select(i => new TaskItem(i, Path.ChangeExtension(i, ".iwi.cbor"), "1:1")).ToArray());
        return store;
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}
