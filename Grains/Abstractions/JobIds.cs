using System.Security.Cryptography;
using System.Text;
using ItkWasmCluster.Jobs;

namespace ItkWasmCluster.Grains;

/// <summary>Job ids: the first 16 hex digits of the SHA-256 of the spec's canonical JSON, so the same spec run again
/// is the same job.</summary>
public static class JobIds
{
    /// <summary>Returns the id of <paramref name="spec"/>.</summary>
    public static string For(JobSpec spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JobSpecParser.ToJson(spec).ToJsonString())))[..16];
}
