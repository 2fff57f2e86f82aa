using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>The <see cref="IOutputLocationGrain"/>: the holder's job id, in persistent state so that a claim outlives a
/// silo. A stale claim (a job that ended without releasing it) is taken over after asking that job.</summary>
internal sealed class OutputLocationGrain(
    [PersistentState("output-location", ClusterStoreOptions.GrainStorageName)] IPersistentState<OutputLocationState> state) : Grain, IOutputLocationGrain
{
    /// <inheritdoc/>
    public async Task<string?> ClaimAsync(string jobId)
    {
        if (state.State.Holder is { } holder && holder != jobId
            && await GrainFactory.GetGrain<IJobGrain>(holder).GetStatusAsync() is { State: JobState.Running })
        {
            return holder;
        }

        if (state.State.Holder != jobId)
        {
            state.State.Holder = jobId;
            await state.WriteStateAsync();
        }

        return null;
    }

    /// <inheritdoc/>
    public async Task ReleaseAsync(string jobId)
    {
        if (state.State.Holder == jobId)
        {
            state.State.Holder = null;
            await state.WriteStateAsync();
        }
    }
}

/// <summary>An output location's persistent state.</summary>
[GenerateSerializer]
[Alias("itkwasm.OutputLocationState")]
public sealed class OutputLocationState
{
    /// <summary>Gets or sets the id of the job that holds the location, or null.</summary>
    [Id(0)]
    public string? Holder { get; set; }
}
