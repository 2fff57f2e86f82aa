using System.Globalization;
using System.Text.Json.Nodes;

namespace ItkWasmCluster.Jobs;

/// <summary>Reads the fields of a spec's JSON tree; each error is a <see cref="JobSpecException"/> naming the field.</summary>
internal static class SpecFields
{
    // A misspelt or unsupported field would otherwise be ignored and the job would run without it.
    public static void KnownFields(JsonObject o, string[] known, string prefix)
    {
        foreach (var (key, _) in o)
        {
            if (!known.Contains(key))
            {
                throw new JobSpecException(prefix + key, $"unknown field; the fields are {string.Join(", ", known)}");
            }
        }
    }

    public static JsonNode Required(JsonObject o, string key, string prefix = "") =>
        o[key] ?? throw new JobSpecException(prefix + key, "is required");

    public static string Text(JsonNode? node, string field) =>
        node is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : node is JsonValue number && number.TryGetValue<double>(out var d)
                ? d.ToString(CultureInfo.InvariantCulture)
                : throw new JobSpecException(field, "must be a string");

    public static int Integer(JsonNode? node, string field)
    {
        // A number written by this parser may be held as any CLR type; YAML scalars arrive as strings.
        var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node?.ToJsonString();
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i
            : throw new JobSpecException(field, "must be a whole number");
    }

    // A whole number or a list of 1 to 8 (an image's axes at most) whole numbers, each at least min.
    public static long[] PerAxis(JsonNode node, string field, int min, bool single)
    {
        var values = node is JsonArray a ? a.Select((n, i) => ((JsonNode?)n, $"{field}[{i}]")).ToArray() : single ? [(node, field)] : null;
        if (values is null || values.Length is 0 or > 8)
        {
            throw new JobSpecException(field, single ? "must be a whole number or a list of 1 to 8 of them, one per axis (x first)" : "must be a list of 1 to 8 whole numbers, one per axis (x first)");
        }

        return [.. values.Select(p => Integer(p.Item1, p.Item2) is var v && v >= min ? (long)v : throw new JobSpecException(p.Item2, $"must be at least {min}, not {v}"))];
    }

    public static string[] List(JsonNode node, string field) => node is JsonArray a
        ? a.Select((n, i) => Text(n, $"{field}[{i}]")).ToArray()
        : throw new JobSpecException(field, "must be a list of strings");

    // An explicit item is a name inside the dataset, written one way only: '/'-separated, not absolute, no empty, '.' or
    // '..' segment, no backslash or control character; so no item reaches outside its dataset, and no two spellings
    // name one input (or write one result).
    public static string[] ItemNames(string[] items, int maxItems)
    {
        if (items.Length > maxItems)
        {
            throw new JobSpecException("input.items", $"a job has at most {maxItems} items, not {items.Length}");
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (item.Length == 0 || item.Length > 1024 || item.StartsWith('/') || item.Contains('\\', StringComparison.Ordinal) || item.Any(char.IsControl)
                || item.Split('/').Any(segment => segment is "" or "." or ".."))
            {
                throw new JobSpecException($"input.items[{i}]", $"'{item}' is not a plain name inside the dataset ('/'-separated, relative, without empty, '.' or '..' segments or backslashes)");
            }

            if (!seen.TryAdd(item, i))
            {
                throw new JobSpecException($"input.items[{i}]", $"'{item}' is listed twice (also input.items[{seen[item]}])");
            }
        }

        return items;
    }
}
