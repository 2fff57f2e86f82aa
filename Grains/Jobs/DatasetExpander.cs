using ItkWasm.Pipelines;
using ItkWasm.Runtime;
using ItkWasmCluster.Jobs;
using ItkWasmCluster.Storage.Blobs;
using Microsoft.Extensions.FileSystemGlobbing;

namespace ItkWasmCluster.Grains.Jobs;

/// <summary>Turns a job's dataset into its items: one item per input blob (or <c>.iwi</c> directory or OME-Zarr image,
/// <see cref="DirectoryItems"/>), each with its result name.</summary>
internal static class DatasetExpander
{
    /// <summary>Checks that the job's locations are served and usable, before it starts: the dataset and the output
    /// location resolve within what <paramref name="stores"/> serves and exist (a missing container or a refused
    /// credential is reported here, not as failed items), the output format is a file form, and each stage's module
    /// is served: a blob module lies in the served module locations, and a module on the silo's disk or in an npm
    /// package is one the silo's <paramref name="runtime"/> can run (it lies in the served module folders, and the
    /// package is installed).</summary>
    /// <returns>The dataset's and the results' locations.</returns>
    /// <exception cref="JobSpecException">Names the field at fault, and the setting that would allow a refused location.</exception>
    public static async Task<(BlobLocation Input, BlobLocation Output)> CheckLocationsAsync(JobSpec spec, BlobStores stores, IWasmRuntime runtime, CancellationToken cancellationToken)
    {
        if (ItkWasm.IO.ItkWasmPath.TryParse("x" + spec.Output.Format) is { Form: ItkWasm.IO.ItkWasmFileForm.Directory })
        {
            throw new JobSpecException("output.format", $"{spec.Output.Format} is a directory form; use {spec.Output.Format}.cbor or .cbor.zst");
        }

        for (var i = 0; i < spec.Stages.Count; i++)
        {
            var pipeline = spec.Stages[i].Pipeline;
            if (ModuleLocation(pipeline) is { } module)
            {
                Field($"stages[{i}].pipeline", () => stores.Resolve(module, LocationUse.Module));
            }

            if (!BlobLocation.IsBlobText(pipeline))
            {
                try
                {
                    runtime.GetModuleKey(PipelineReference.Parse(pipeline));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new JobSpecException($"stages[{i}].pipeline", e.Message);
                }
            }
        }

        var input = Field("input.location", () => stores.Resolve(spec.Input.Location));
        var output = Field("output.location", () => stores.Resolve(spec.Output.Location));
        if (stores.Overlap(input, output))
        {
            // Results written into the dataset would replace inputs (an .iwi.cbor input and its result share a name)
            // or become the next run's inputs.
            throw new JobSpecException("output.location", $"{output.Display} overlaps the dataset {input.Display} (the same place, or one inside the other); write the results elsewhere");
        }

        await FieldAsync("input.location", () => stores.CheckReachableAsync(input, dataset: true, cancellationToken)).ConfigureAwait(false);
        await FieldAsync("output.location", () => stores.CheckReachableAsync(output, dataset: false, cancellationToken)).ConfigureAwait(false);
        return (input, output);
    }

    /// <summary>Returns the location of a stage's module when the stage names one by path or blob location (rather than
    /// an npm package, <c>@scope/package:pipeline</c>).</summary>
    public static string? ModuleLocation(string pipeline) =>
        pipeline.StartsWith('@') ? null : pipeline;

    /// <summary>Checks the job's locations, then lists the items of its dataset in name order.</summary>
    /// <exception cref="JobSpecException">A location is unusable, an explicit item is missing, or two items would
    /// write the same result.</exception>
    public static async Task<IReadOnlyList<PartitionItem>> ExpandAsync(JobSpec spec, BlobStores stores, IWasmRuntime runtime, CancellationToken cancellationToken)
    {
        var (input, _) = await CheckLocationsAsync(spec, stores, runtime, cancellationToken).ConfigureAwait(false);
        return await ExpandAsync(spec, stores.Open(input), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the items of <paramref name="spec"/>'s dataset in name order.</summary>
    /// <param name="spec">The job.</param>
    /// <param name="input">The store holding the dataset.</param>
    /// <param name="cancellationToken">Controls the request lifetime.</param>
    /// <exception cref="JobSpecException">An explicit item is missing, or two items would write the same result.</exception>
    public static async Task<IReadOnlyList<PartitionItem>> ExpandAsync(
        JobSpec spec, IBlobStore input, CancellationToken cancellationToken)
    {
        var blobs = new List<BlobItem>();
        if (spec.Input.Items is { } explicitItems)
        {
            for (var i = 0; i < explicitItems.Count; i++)
            {
                var name = explicitItems[i].TrimEnd('/');
                blobs.Add((DirectoryItems.IsDirectory(name)
                              ? await DirectoryItems.GetPropertiesAsync(input, name, cancellationToken).ConfigureAwait(false)
                              : await input.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false))
                          ?? throw new JobSpecException($"input.items[{i}]", $"no such item '{explicitItems[i]}' in {input.Description}"));
            }
        }
        else
        {
            var matcher = new Matcher(StringComparison.Ordinal);
            matcher.AddIncludePatterns(spec.Input.Include);
            matcher.AddExcludePatterns(spec.Input.Exclude);
            var all = new Dictionary<string, BlobItem>(StringComparer.Ordinal);
            var listed = new List<BlobItem>();
            await foreach (var blob in input.ListAllAsync(string.Empty, cancellationToken).ConfigureAwait(false))
            {
                listed.Add(blob);
            }

            foreach (var item in DirectoryItems.Group(listed))
            {
                all[item.Name] = item; // a directory item (an .iwi directory, an OME-Zarr image) is one name
            }

            var matched = matcher.Match("/dataset", all.Keys.Select(name => "/dataset/" + name));
            blobs.AddRange(matched.Files.Select(f => all[f.Path]));
            if (blobs.Count > JobSpecParser.MaxItems)
            {
                throw new JobSpecException("input", $"{blobs.Count} items match; a job has at most {JobSpecParser.MaxItems}: split the dataset with input.include patterns");
            }
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

            items.Add(new PartitionItem(items.Count, blob.Name, output, blob.Version, blob.ContentHash, blob.Length));
        }

        return items;
    }

    private static T Field<T>(string field, Func<T> resolve)
    {
        try
        {
            return resolve();
        }
        catch (BlobLocationException e)
        {
            throw new JobSpecException(field, e.Message);
        }
    }

    private static async Task FieldAsync(string field, Func<Task> check)
    {
        try
        {
            await check().ConfigureAwait(false);
        }
        catch (BlobLocationException e)
        {
            throw new JobSpecException(field, e.Message);
        }
    }
}
