using System.Security.Cryptography;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using ItkWasmCluster.Storage.JobStores;

namespace ItkWasmCluster.Grains;

/// <summary>
/// The content hashes of a job's inputs, part of every result's content key. Hashes recorded for an input at its
/// current version are reused; the others are computed in parallel and recorded in one transaction, before any task
/// runs, so that scheduling a task needs no hashing and no extra write.
/// </summary>
internal static class InputHasher
{
    /// <summary>Returns each item's input hash by input name.</summary>
    public static async Task<IReadOnlyDictionary<string, InputHash>> HashAsync(
        IReadOnlyList<TaskItem> items, IBlobStore input, IJobStore store, CancellationToken cancellationToken)
    {
        var prefix = input.Description + "/";
        var known = await store.GetInputHashesAsync(prefix, cancellationToken).ConfigureAwait(false);
        var hashes = new System.Collections.Concurrent.ConcurrentDictionary<string, InputHash>(StringComparer.Ordinal);
        var computed = new System.Collections.Concurrent.ConcurrentBag<InputHash>();
        await Parallel.ForEachAsync(items, new ParallelOptions { CancellationToken = cancellationToken }, async (item, ct) =>
        {
            if (known.TryGetValue(prefix + item.Input, out var recorded) && recorded.Version == item.Version)
            {
                hashes[item.Input] = recorded;
                return;
            }

            var fresh = new InputHash(prefix + item.Input, item.Version, await HashBlobAsync(input, item.Input, ct).ConfigureAwait(false));
            hashes[item.Input] = fresh;
            computed.Add(fresh);
        }).ConfigureAwait(false);
        if (!computed.IsEmpty)
        {
            await store.SetInputHashesAsync(computed, cancellationToken).ConfigureAwait(false);
        }

        return hashes;
    }

    /// <summary>Returns the recorded hashes of the inputs of <paramref name="input"/>, by input name.</summary>
    public static async Task<IReadOnlyDictionary<string, InputHash>> LoadAsync(IBlobStore input, IJobStore store, CancellationToken cancellationToken)
    {
        var prefix = input.Description + "/";
        var recorded = await store.GetInputHashesAsync(prefix, cancellationToken).ConfigureAwait(false);
        return recorded.ToDictionary(p => p.Key[prefix.Length..], p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>Computes the SHA-256 of a blob, lowercase hexadecimal.</summary>
    public static async Task<string> HashBlobAsync(IBlobStore input, string name, CancellationToken cancellationToken)
    {
        await using var stream = await input.OpenReadAsync(name, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }
}
