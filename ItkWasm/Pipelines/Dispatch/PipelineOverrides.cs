using System.Globalization;

namespace ItkWasm.Pipelines.Dispatch;

/// <summary>
/// The overrides registered for pipeline functions, with their priorities, and ITK-Wasm's rule for choosing one
/// (<c>itkwasm.function_factory</c>, ITKWASM-SPEC §4): of the overrides a machine can run, the one with the highest
/// priority wins if that priority is at least 1 (the first registered among equals); otherwise the WebAssembly module
/// runs. A priority below 1 disables an override. Thread-safe.
/// </summary>
public sealed class PipelineOverrides
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<Entry>> byFunction = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="implementation"/> at <paramref name="priority"/> (its own default when
    /// null), replacing an earlier registration of the same function and implementation.</summary>
    public void Register(IPipelineOverride implementation, int? priority = null)
    {
        ArgumentNullException.ThrowIfNull(implementation);
        lock (gate)
        {
            if (!byFunction.TryGetValue(implementation.PipelineFunction, out var entries))
            {
                byFunction[implementation.PipelineFunction] = entries = [];
            }

            var entry = new Entry(implementation, priority ?? implementation.DefaultPriority);
            var at = entries.FindIndex(e => e.Override.Implementation == implementation.Implementation);
            if (at >= 0)
            {
                entries[at] = entry;
            }
            else
            {
                entries.Add(entry);
            }
        }
    }

    /// <summary>Sets the priority of a registered override; below 1 disables it.</summary>
    /// <exception cref="ArgumentException">No override of that function and implementation is registered.</exception>
    public void SetPriority(string function, string implementation, int priority)
    {
        lock (gate)
        {
            var entries = Entries(function);
            var at = entries.FindIndex(e => e.Override.Implementation == implementation);
            if (at < 0)
            {
                throw new ArgumentException($"no override '{implementation}' of {function} is registered (registered: {Describe(entries)})", nameof(implementation));
            }

            entries[at] = entries[at] with { Priority = priority };
        }
    }

    /// <summary>Disables every override of <paramref name="function"/> (priority -1), as ITK-Wasm's
    /// <c>function_factory.disable</c> does: the WebAssembly module runs.</summary>
    public void Disable(string function)
    {
        lock (gate)
        {
            if (byFunction.TryGetValue(function, out var entries))
            {
                for (var i = 0; i < entries.Count; i++)
                {
                    entries[i] = entries[i] with { Priority = -1 };
                }
            }
        }
    }

    /// <summary>Lists the overrides of <paramref name="function"/> with their priorities, in registration order.</summary>
    public IReadOnlyList<(IPipelineOverride Override, int Priority)> Of(string function)
    {
        lock (gate)
        {
            return byFunction.TryGetValue(function, out var entries) ? entries.Select(e => (e.Override, e.Priority)).ToArray() : [];
        }
    }

    /// <summary>Chooses the override to run for <paramref name="function"/>: the highest priority of at least 1 among
    /// those <paramref name="usable"/> accepts (all when null); null when none qualifies, meaning the WebAssembly
    /// module.</summary>
    public IPipelineOverride? HighestPriority(string function, Func<IPipelineOverride, bool>? usable = null)
    {
        lock (gate)
        {
            Entry? best = null;
            if (byFunction.TryGetValue(function, out var entries))
            {
                foreach (var entry in entries)
                {
                    if (entry.Priority >= 1 && (best is null || entry.Priority > best.Priority) && (usable is null || usable(entry.Override)))
                    {
                        best = entry;
                    }
                }
            }

            return best?.Override;
        }
    }

    /// <summary>Applies priorities written as <c>FUNCTION=IMPLEMENTATION:PRIORITY[,IMPLEMENTATION:PRIORITY...]</c>,
    /// entries separated by ';', for example
    /// <c>@itk-wasm/downsample:downsample=gpu:cuda:20,simd:-1</c> (the priority is after the last ':').</summary>
    /// <exception cref="FormatException">An entry does not parse; the message quotes it.</exception>
    /// <exception cref="ArgumentException">An entry names an override that is not registered.</exception>
    public void Configure(string settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var entry in settings.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.LastIndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"'{entry}' is not FUNCTION=IMPLEMENTATION:PRIORITY[,...]");
            }

            var function = entry[..equals].Trim();
            foreach (var item in entry[(equals + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = item.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(item[(colon + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var priority))
                {
                    throw new FormatException($"'{item}' in '{entry}' is not IMPLEMENTATION:PRIORITY");
                }

                SetPriority(function, item[..colon], priority);
            }
        }
    }

    private List<Entry> Entries(string function) =>
        byFunction.TryGetValue(function, out var entries) ? entries : throw new ArgumentException($"no override of {function} is registered", nameof(function));

    private static string Describe(List<Entry> entries) =>
        string.Join(", ", entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Override.Implementation} at {e.Priority}")));

    private sealed record Entry(IPipelineOverride Override, int Priority);
}
