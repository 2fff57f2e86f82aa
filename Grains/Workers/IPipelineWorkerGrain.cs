namespace ItkWasmCluster.Grains.Workers;

/// <summary>
/// Runs items of jobs on one silo, keyed by that silo's address (<c>SiloAddress.ToParsableString()</c>) and placed on
/// it by a placement hint: reads the input, runs the stages on the silo's compute slots, commits the result at its
/// deterministic name. Not a stateless worker: Orleans routes a call's cancellation to any activation of one, often an
/// idle one (dotnet/orleans#9877), and partitions choose the silo themselves.
/// </summary>
public interface IPipelineWorkerGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="request"/>'s item once. A failed attempt is a result (with its error and the
    /// pipeline's stderr), not an exception, so the caller decides on a retry.</summary>
    /// <param name="request">The item and its attempt.</param>
    /// <param name="cancellationToken">Stops the attempt (its running pipeline too); Orleans carries it with the call.</param>
    /// <exception cref="OperationCanceledException">The attempt was cancelled; nothing was recorded.</exception>
    [ResponseTimeout("1.00:00:00")]
    Task<ItemResult> RunAsync(ItemRequest request, CancellationToken cancellationToken = default);

    /// <summary>Returns how busy the silo is and what its module cache did (for the dashboard's nodes page).</summary>
    Task<SiloLoad> GetLoadAsync();
}

/// <summary>How busy one silo is.</summary>
/// <param name="Silo">The silo.</param>
/// <param name="Slots">Its compute slots.</param>
/// <param name="Running">Items being run there now (beyond <paramref name="Slots"/>, they wait for a slot).</param>
/// <param name="ModulesCompiled">WASI modules its cache compiled from their bytes.</param>
/// <param name="ModulesLoaded">WASI modules its cache loaded compiled from disk.</param>
/// <param name="CacheDirectory">Its compiled-module cache folder, or null when it keeps them in memory only.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.SiloLoad")]
public sealed record SiloLoad(
    [property: Id(0)] string Silo,
    [property: Id(1)] int Slots,
    [property: Id(2)] int Running,
    [property: Id(3)] long ModulesCompiled,
    [property: Id(4)] long ModulesLoaded,
    [property: Id(5)] string? CacheDirectory);

/// <summary>One attempt at one item.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Partition">The number of the job's partition that sent it: the worker asks it for the job's spec
/// (<see cref="ItkWasmCluster.Grains.Jobs.IPartitionGrain.GetSpecAsync"/>) the first time this silo sees the job, so the
/// spec does not travel with every item.</param>
/// <param name="Index">The item's index in the job.</param>
/// <param name="Input">The input blob's name.</param>
/// <param name="Output">The result blob's name.</param>
/// <param name="Attempt">The attempt number, from 1.</param>
/// <param name="RecordedContentKey">The content key of the result this item last committed, if any: when the item's
/// key is still the same and the result is there, nothing runs.</param>
/// <param name="InputHash">The hash of the input's bytes its store keeps (Azure's Content-MD5), as listed; null when
/// the store keeps none.</param>
/// <param name="RecordedResultHash">The hash of the bytes of the result this item last committed (see
/// <see cref="ItemResult.ResultHash"/>), if any: a result
/// is reused only when its bytes are still those (another job may have written over it).</param>
/// <param name="TraceParent">The attempt's trace context, a W3C <c>traceparent</c> (the partition's <c>item</c> span),
/// so that the spans of the silo that runs it join the item's trace; null when nothing records spans.</param>
/// <param name="Plan">For an item that runs by chunks, its plan (<see cref="ItemResult.Planned"/>); null for an attempt
/// at the whole item (which may plan it).</param>
/// <param name="Chunk">With a <paramref name="Plan"/>: the chunk to run, or <see cref="ChunkPlan.Count"/> to commit the
/// assembled result.</param>
/// <param name="InputLength">The input's length in bytes, as listed (0: not known): an input too small to need chunks is
/// not looked into for them.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.ItemRequest")]
public sealed record ItemRequest(
    [property: Id(0)] string JobId,
    [property: Id(1)] int Partition,
    [property: Id(2)] int Index,
    [property: Id(3)] string Input,
    [property: Id(4)] string Output,
    [property: Id(5)] int Attempt,
    [property: Id(6)] string? RecordedContentKey,
    [property: Id(7)] string? InputHash = null,
    [property: Id(8)] string? TraceParent = null,
    [property: Id(9)] string? RecordedResultHash = null,
    [property: Id(10)] ChunkPlan? Plan = null,
    [property: Id(11)] int Chunk = -1,
    [property: Id(12)] long InputLength = 0);

/// <summary>How one attempt ended.</summary>
/// <param name="Succeeded">Whether the result is committed.</param>
/// <param name="Duration">How long the attempt took.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Stderr">The failing pipeline's standard error.</param>
/// <param name="Reused">Whether the result was already committed under the same content key and nothing ran.</param>
/// <param name="ContentKey">The content key of the committed result.</param>
/// <param name="Silo">The silo that ran the attempt.</param>
/// <param name="Implementations">Which implementation ran each stage (<see cref="ItkWasmCluster.Jobs.ItemRecord.Implementations"/>);
/// null when nothing ran.</param>
/// <param name="ResultHash">The hash of the committed result's bytes as its store has them: the Content-MD5 Azure keeps
/// (<c>md5:</c>HEX), or the SHA-256 read back from a file (lowercase hex).</param>
/// <param name="StageSeconds">How long each stage ran (<see cref="ItkWasmCluster.Jobs.ItemRecord.StageSeconds"/>); null
/// when nothing ran.</param>
/// <param name="Planned">The item is too large to run whole and runs by chunks, as planned here (its result's assembly
/// is prepared); nothing is committed yet.</param>
/// <param name="Permanent">The failure would recur on a retry (the pipeline exited with an error, the input has no
/// reader or is malformed, the item cannot be chunked as the job asks), so the item fails at once.</param>
[GenerateSerializer]
[Immutable]
[Alias("itkwasm.ItemResult")]
public sealed record ItemResult(
    [property: Id(0)] bool Succeeded,
    [property: Id(1)] TimeSpan Duration,
    [property: Id(2)] string? Error,
    [property: Id(3)] string? Stderr,
    [property: Id(4)] bool Reused,
    [property: Id(5)] string? ContentKey,
    [property: Id(6)] string Silo,
    [property: Id(7)] string? Implementations = null,
    [property: Id(8)] string? StageSeconds = null,
    [property: Id(9)] string? ResultHash = null,
    [property: Id(10)] ChunkPlan? Planned = null,
    [property: Id(11)] bool Permanent = false);
