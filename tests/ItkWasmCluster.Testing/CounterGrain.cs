namespace ItkWasmCluster.Testing;

/// <summary>A grain with a counter in its grain state: the probe of the grain storage and cluster store tests.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task IncrementAsync(string note);

    Task<CounterState> GetAsync();

    Task ClearAsync();
}

[GenerateSerializer]
public sealed record CounterState
{
    [Id(0)]
    public int Value { get; init; }

    [Id(1)]
    public string Note { get; init; } = string.Empty;
}

public sealed class CounterGrain([PersistentState("counter", "files")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public Task IncrementAsync(string note)
    {
        state.State = new CounterState { Value = state.State.Value + 1, Note = note };
        return state.WriteStateAsync();
    }

    public Task<CounterState> GetAsync() => Task.FromResult(state.State);

    public Task ClearAsync() => state.ClearStateAsync();
}
