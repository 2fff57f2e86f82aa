using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace ItkWasm.Benchmarks;

/// <summary>Turns a BenchmarkDotNet summary into a section of BENCHMARKS.md, with ratios against the peers measured
/// in the same run.</summary>
public static class BenchmarkReport
{

    public static void WriteFileThroughput(Summary summary, string markdownPath)
    {
        var medians = summary.Reports
            .Where(r => r.ResultStatistics is not null)
            .ToDictionary(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name, r => r.ResultStatistics!.Median);
        const double bytes = 256.0 * 256 * 256 * 4;
        string Row(string name, string what, string peer)
        {
            var ms = medians[name] / 1e6;
            var ratio = medians[peer] / medians[name];
            return string.Create(
                CultureInfo.InvariantCulture,
                $"| {what} | {ms:F1} | {bytes / (medians[name] / 1e9) / 1e6:F0} | {ratio:F2}× of {peer} |");
        }

        var env = summary.HostEnvironmentInfo;
        var section = new StringBuilder()
            .AppendLine("## File formats: 256³ float32 image (64 MiB of pixels)")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run` (BenchmarkDotNet, in-process, 12 iterations of 3 operations, medians) on {env.CpuInfo.Value.ProcessorName} ({Environment.ProcessorCount} logical cores), {env.OsVersion.Value}, {env.RuntimeVersion}. The files sit in the page cache, so the copies measure memory and kernel speed. The peers are a plain copy of the same bytes between the same file and native memory, and libzstd alone on the same bytes, all measured in the same run. Throughput counts pixel bytes. Target: `.iwi.cbor` read and write at ≥ 0.5× the copy."))
            .AppendLine()
            .AppendLine("| operation | median ms | MB/s | ratio (peer ÷ this, higher is better) |")
            .AppendLine("| --- | ---: | ---: | --- |")
            .AppendLine(Row("ReadCbor", "read `.iwi.cbor`", "CopyRead"))
            .AppendLine(Row("WriteCbor", "write `.iwi.cbor` (atomic: temp file + rename)", "CopyWrite"))
            .AppendLine(Row("ReadCborZstd", "read `.iwi.cbor.zst`", "CopyRead"))
            .AppendLine(Row("ReadCborZstd", "read `.iwi.cbor.zst`", "DecompressOnly"))
            .AppendLine(Row("WriteCborZstd", "write `.iwi.cbor.zst`", "CopyWrite"))
            .AppendLine(Row("WriteCborZstd", "write `.iwi.cbor.zst`", "CompressOnly"))
            .AppendLine(Row("CopyRead", "peer: copy read", "CopyRead"))
            .AppendLine(Row("CopyWrite", "peer: copy write", "CopyWrite"))
            .AppendLine(Row("DecompressOnly", "peer: libzstd decompress", "DecompressOnly"))
            .AppendLine(Row("CompressOnly", "peer: libzstd compress (level 3)", "CompressOnly"))
            .ToString();
        WriteSection(markdownPath, "file-throughput", section);
    }

    /// <summary>Replaces (or appends) the section named <paramref name="name"/> of the markdown file.</summary>
    public static void WriteSection(string markdownPath, string name, string section)
    {
        var (start, end) = ($"<!-- {name}:start -->", $"<!-- {name}:end -->");
        section = $"{start}\n{section.TrimEnd()}\n{end}";
        var existing = File.Exists(markdownPath)
            ? File.ReadAllText(markdownPath)
            : "# Benchmarks\n\nEvery number here was written by the benchmark that measured it (`bench/run`); ratios compare against a peer measured in the same run.\n\n";
        var from = existing.IndexOf(start, StringComparison.Ordinal);
        var to = existing.IndexOf(end, StringComparison.Ordinal);
        var updated = from >= 0 && to > from
            ? existing[..from] + section + existing[(to + end.Length)..]
            : existing.TrimEnd() + "\n\n" + section;
        File.WriteAllText(markdownPath, updated.TrimEnd() + "\n");
    }
}
