using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>Job ids: the first 16 hex digits of the SHA-256 of the spec's canonical JSON, so the same spec run again
/// is the same job. The item deadline is hashed under its old key (<see cref="JobSpecParser.LegacyTimeoutKey"/>), in
/// its place, so that the rename of the key changed no job's id.</summary>
public static class JobIds
{
    /// <summary>Returns the id of <paramref name="spec"/>.</summary>
    public static string For(JobSpec spec)
    {
        var canonical = new JsonObject(JobSpecParser.ToJson(spec).Select(p =>
            KeyValuePair.Create(p.Key == JobSpecParser.ItemTimeoutKey ? JobSpecParser.LegacyTimeoutKey : p.Key, p.Value?.DeepClone())));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToJsonString())))[..16];
    }
}
