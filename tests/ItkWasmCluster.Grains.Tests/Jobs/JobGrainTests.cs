using ItkWasmCluster.Grains.Jobs;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Tests.Jobs;

/// <summary>The job grain on its own: admission, the end of a job and its job.json, a submission of a finished job that
/// does no work, and a job whose items fail.</summary>
public sealed class JobGrainTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory temp = new();
    private TestCluster? cluster;

    public async Task InitializeAsync() => cluster = await TestCluster.StartAsync(temp.Combine("grains"), temp.Combine("module-cache"));

    public async Task DisposeAsync() => await cluster!.DisposeAsync();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Submit_RunsEveryItem_EndsWithJobJson_AndSubmittingTheFinishedJobAgainDoesNoWork()
    {
        var spec = Spec(good: 3, bad: 0);
        var job = cluster!.Client.GetGrain<IJobGrain>(JobIds.For(spec));

        Assert.Null(await job.GetStatusAsync());
        var submitted = await job.SubmitAsync(spec);
        Assert.Equal((JobIds.For(spec), 3), (submitted.Id, submitted.Counts.Total));
        var ended = await EndedAsync(job);

        Assert.Equal(JobState.Succeeded, ended.State);
        Assert.Equal(3, ended.Counts.Succeeded);
        Assert.NotNull(ended.Finished);
        Assert.True(File.Exists(Path.Combine(spec.Output.Location, "job.json")));
        Assert.All(await job.GetItemsAsync(), r => Assert.Equal(ItemStatus.Succeeded, r.Status));
        Assert.Equal(JobSpecParser.ToJson(spec).ToJsonString(), JobSpecParser.ToJson((await job.GetSpecAsync())!).ToJsonString());
        var written = Directory.GetFiles(spec.Output.Location, "*.iwi.cbor").ToDictionary(f => f, File.GetLastWriteTimeUtc);

        await job.SubmitAsync(spec);
        var again = await EndedAsync(job);

        Assert.Equal(JobState.Succeeded, again.State);
        Assert.All(await job.GetItemsAsync(), r => Assert.Equal(1, r.Attempts)); // nothing ran again
        Assert.Equal(written, Directory.GetFiles(spec.Output.Location, "*.iwi.cbor").ToDictionary(f => f, File.GetLastWriteTimeUtc));
    }

    [Fact]
    public async Task Submit_CutOffBeforeEveryPartitionHadItsItems_IsAdmittedAgain_AndRunsEveryItem()
    {
        // The job is stored as running, then its partitions get their items: a crash in between must not leave a job
        // that resumes with partitions holding nothing, and so "succeeds" without running anything.
        var spec = Spec(good: 3, bad: 0);
        var folder = temp.Combine("admission");
        await using (var failing = await TestCluster.StartAsync(folder, temp.Combine("module-cache"), configure: silo => silo.AddIncomingGrainCallFilter(call =>
            call.MethodName == nameof(IPartitionGrain.StartAsync) ? throw new OrleansException("the silo died before the partition stored its items") : call.Invoke())))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => failing.Client.GetGrain<IJobGrain>(JobIds.For(spec)).SubmitAsync(spec));
        }

        await using var restarted = await TestCluster.StartAsync(folder, temp.Combine("module-cache"));
        var job = restarted.Client.GetGrain<IJobGrain>(JobIds.For(spec));
        await job.SubmitAsync(spec);
        var ended = await EndedAsync(job);

        Assert.Equal((JobState.Succeeded, 3), (ended.State, ended.Counts.Succeeded));
        Assert.Equal(3, Directory.GetFiles(spec.Output.Location, "*.iwi.cbor").Length);
    }

    [Fact]
    public async Task Job_WithAnItemThatFails_EndsFailed_WithoutRetryingAnErrorExit_AndTheOtherItemsSucceed()
    {
        var spec = Spec(good: 2, bad: 1) with { Retries = 1 };
        var job = cluster!.Client.GetGrain<IJobGrain>(JobIds.For(spec));

        await job.SubmitAsync(spec);
        var ended = await EndedAsync(job);

        Assert.Equal(JobState.Failed, ended.State);
        Assert.Equal((2, 1), (ended.Counts.Succeeded, ended.Counts.Failed));
        var failed = Assert.Single(await job.GetItemsAsync(), r => r.Status == ItemStatus.Failed);
        Assert.Equal(1, failed.Attempts); // an error exit would recur: one attempt, though the job allows a retry
        Assert.Contains("exited with code 2", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_ASpecWhoseIdIsNotTheGrainsKey_IsRefused()
    {
        var spec = Spec(good: 1, bad: 0);

        var error = await Assert.ThrowsAsync<JobSpecException>(() => cluster!.Client.GetGrain<IJobGrain>("0000000000000000").SubmitAsync(spec));

        Assert.Equal("spec", error.Field);
    }

    [Fact]
    public async Task Watch_PutsNotificationsBackInOrder_IgnoresOtherActivations_AndEndsAfterTheLastEvent()
    {
        const string id = "watch-order";
        var grain = cluster!.Client.GetGrain<IJobGrain>(id);
        var activation = (await grain.SubscribeAsync(cluster.Client.CreateObjectReference<IJobObserver>(new NoObserver()))).Activation;
        var (watch, status) = await JobWatch.StartAsync(cluster.Client, id);
        await using (watch)
        {
            Assert.Null(status);
            IJobObserver observer = watch;
            var running = new JobStatus(id, "n", JobState.Running, JobCounts.None, "/o", DateTimeOffset.UnixEpoch, null);
            watch.Begin(running);
            // One-way notifications arrive in any order; the end comes before the events it follows.
            await observer.OnProgressAsync(activation, 3, Succeeded(3), [Event(3)]);
            await observer.OnEndedAsync(activation, 3, running with { State = JobState.Succeeded, Counts = Succeeded(3) });
            await observer.OnProgressAsync(activation, 1, Succeeded(1), [Event(1)]);
            await observer.OnProgressAsync("an-earlier-activation", 2, Succeeded(9), [Event(9)]);
            Assert.False(watch.Ended.IsCompleted);
            await observer.OnProgressAsync(activation, 2, Succeeded(2), [Event(2)]);

            Assert.Equal(JobState.Succeeded, (await watch.Ended.WaitAsync(TimeSpan.FromSeconds(10))).State);
            var seen = new List<JobProgress>();
            await foreach (var p in watch.Progress.ReadAllAsync())
            {
                seen.Add(p);
            }

            Assert.Null(seen[0].Event);
            Assert.Equal([1, 2, 3], seen.Skip(1).Select(p => p.Event!.Index));
            Assert.Equal([1, 2, 3], seen.Skip(1).Select(p => p.Counts.Succeeded));
        }

        static JobCounts Succeeded(int n) => new(9, 9 - n, 0, n, 0);
        static ItemEvent Event(int n) => new(n, $"in{n}", $"out{n}", ItemStatus.Succeeded, 1, TimeSpan.Zero, null, false, "s");
    }

    private static async Task<JobStatus> EndedAsync(IJobGrain job)
    {
        JobStatus? status = null;
        await Eventually.UntilAsync(async () => (status = await job.GetStatusAsync())!.State != JobState.Running, "the job to end", TimeSpan.FromSeconds(60));
        return status!;
    }

    private JobSpec Spec(int good, int bad)
    {
        var input = Directory.CreateDirectory(temp.Combine($"in-{Guid.NewGuid():N}")).FullName;
        for (var i = 0; i < good; i++)
        {
            File.Copy(SharedData.Path("itk-wasm/cthead1-rgb.iwi.cbor"), Path.Combine(input, $"head-{i}.iwi.cbor"));
        }

        for (var i = 0; i < bad; i++)
        {
            ClusterFixture.WriteImageNegateRefuses(Path.Combine(input, $"floats-{i}.iwi.cbor"));
        }

        return new JobSpec
        {
            Name = "job-grain",
            Input = new DatasetSpec { Location = input },
            Output = new OutputSpec { Location = temp.Combine($"out-{Guid.NewGuid():N}") },
            Stages = [new StageSpec { Pipeline = ClusterFixture.Module("negate") }],
            Retries = 0,
        };
    }

    private sealed class NoObserver : IJobObserver
    {
        public Task OnProgressAsync(string activation, long sequence, JobCounts counts, IReadOnlyList<ItemEvent> events) => Task.CompletedTask;

        public Task OnEndedAsync(string activation, long sequence, JobStatus status) => Task.CompletedTask;
    }
}
