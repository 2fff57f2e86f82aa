
namespace ItkWasmCluster.Grains.Jobs;

/// <summary>The <see cref="IJobCatalogGrain"/>: the jobs' ids in submission order and the idempotency keys they were
/// submitted under, in one small persistent state.</summary>
internal sealed class JobCatalogGrain(
    [PersistentState("catalog", ClusterStoreOptions.GrainStorageName)] IPersistentState<JobCatalogState> state) : Grain, IJobCatalogGrain
{
    /// <inheritdoc/>
    public async Task<string> AddAsync(string jobId, string? idempotencyKey)
    {
        var changed = false;
        if (idempotencyKey is not null)
        {
            if (state.State.Keys.TryGetValue(idempotencyKey, out var bound))
            {
                return bound;
            }

            state.State.Keys[idempotencyKey] = jobId;
            changed = true;
        }

        if (!state.State.Jobs.Contains(jobId))
        {
            state.State.Jobs.Add(jobId);
            changed = true;
        }

        if (changed)
        {
            await state.WriteStateAsync();
        }

        return jobId;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. Enumerable.Reverse(state.State.Jobs)]);
}

/// <summary>The job catalog's persistent state.</summary>
[GenerateSerializer]
[Alias("itkwasm.JobCatalogState")]
public sealed class JobCatalogState
{
    /// <summary>Gets or sets the jobs' ids, oldest first.</summary>
    [Id(0)]
    public List<string> Jobs { get; set; } = [];

    /// <summary>Gets or sets the job each idempotency key was used for.</summary>
    [Id(1)]
    public Dictionary<string, string> Keys { get; set; } = [];
}
