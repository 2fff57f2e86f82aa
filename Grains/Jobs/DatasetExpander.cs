using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.FileSystemGlobbing;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>Turns a job's dataset into its items: one item per input blob, each with its result name.</summary>
internal static class DatasetExpander
{
    /// <summary>Checks that the job's locations are usable: the dataset exists and the output format is a file form.</summary>
    /// <exception cref="JobSpecException">Names the field at fault.</exception>
    public static void CheckLocations(JobSpec spec)
    {
        if (!Directory.Exists(spec.Input.Location))
        {
            throw new JobSpecException("input.location", $"no such directory: {spec.Input.Location}");
        }

        if (ItkWasm.IO.ItkWasmPath.TryParse("x" + spec.Output.Format) is { Form: ItkWasm.IO.ItkWasmFileForm.Directory })
        {
            throw new JobSpecException("output.format", $"{spec.Output.Format} is a directory form; use {spec.Output.Format}.cbor or .cbor.zst");
        }
    }

    /// <summary>Checks the job's locations, then lists the items of its dataset in name order, leaving out the output
    /// location when it lies inside the dataset.</summary>
    /// <exception cref="JobSpecException">A location is unusable, an explicit item is missing, or two items would
    /// write the same result.</exception>
    public static Task<IReadOnlyList<PartitionItem>> ExpandAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        CheckLocations(spec);
        var input = new FileSystemBlobStore(spec.Input.Location);
        var output = new FileSystemBlobStore(spec.Output.Location);
        var relative = Path.GetRelativePath(input.Root, output.Root);
        var skip = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? null : relative.Replace('\\', '/') + "/";
        return ExpandAsync(spec, input, skip, cancellationToken);
    }

    /// <summary>Lists the items of <paramref name="spec"/>'s dataset in name order.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="input">The store holding the dataset.</param>
    /// <param name="skipPrefix">A prefix of the input store to leave out (where results go, when that is inside the
    /// dataset), or null.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    /// <exception cref="JobSpecException">An explicit item is missing, or two items would write the same result.</exception>
    public static async Task<IReadOnlyList<PartitionItem>> ExpandAsync(
        JobSpec spec, IBlobStore input, string? skipPrefix, CancellationToken cancellationToken)
    {
        var blobs = new List<BlobItem>();
        if (spec.Input.Items is { } explicitItems)
        {
            for (var i = 0; i < explicitItems.Count; i++)
            {
                blobs.Add(await input.GetPropertiesAsync(explicitItems[i], cancellationToken).ConfigureAwait(false)
                          ?? throw new JobSpecException($"input.items[{i}]", $"no such item '{explicitItems[i]}' in {input.Description}"));
            }
        }
        else
        {
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddIncludePatterns(spec.Input.Include);
            matcher.AddExcludePatterns(spec.Input.Exclude);
            var all = new Dictionary<string, BlobItem>(StringComparer.Ordinal);
            await foreach (var blob in input.ListAsync(string.Empty, cancellationToken).ConfigureAwait(false))
            {
                if (skipPrefix is null || !blob.Name.StartsWith(skipPrefix, StringComparison.Ordinal))
                {
                    all[blob.Name] = blob;
                }
            }

            var matched = matcher.Match("/dataset", all.Keys.Select(name => "/dataset/" + name));
            blobs.AddRange(matched.Files.Select(f => all[f.Path]));
        }

        var items = new List<PartitionItem>();
        var byOutput = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var blob in blobs.OrderBy(b => b.Name, StringComparer.Ordinal))
        {
            var output = spec.Output.ResultName(blob.Name);
            if (!byOutput.TryAdd(output, blob.Name))
            {
                throw new JobSpecException("input", $"'{byOutput[output]}' and '{blob.Name}' would both write '{output}'; leave one out with input.exclude");
            }

            items.Add(new PartitionItem(items.Count, blob.Name, output, $"{blob.Length}:{blob.LastModified.ToUnixTimeMilliseconds()}"));
        }

        return items;
    }
}
