namespace ItkWasmCluster.Grains.Jobs;

/// <summary>The <see cref="ISessionEpochGrain"/>, its epoch in persistent state.</summary>
internal sealed class SessionEpochGrain(
    [PersistentState("session-epoch", ClusterStoreOptions.GrainStorageName)] IPersistentState<SessionEpochState> state) : Grain, ISessionEpochGrain
{
    /// <inheritdoc/>
    public Task<DateTimeOffset> GetAsync() => Task.FromResult(state.State.Epoch);

    /// <inheritdoc/>
    public async Task SignOutAsync(DateTimeOffset now)
    {
        if (now > state.State.Epoch)
        {
            state.State.Epoch = now;
            await state.WriteStateAsync();
        }
    }
}

/// <summary>The session epoch's persistent state.</summary>
[GenerateSerializer]
[Alias("itkwasm.SessionEpochState")]
public sealed class SessionEpochState
{
    /// <summary>Gets or sets the epoch: sessions issued before it are ended.</summary>
    [Id(0)]
    public DateTimeOffset Epoch { get; set; } = DateTimeOffset.MinValue;
}
