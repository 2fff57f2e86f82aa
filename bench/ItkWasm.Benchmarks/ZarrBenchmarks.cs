using System.Diagnostics;
using System.Globalization;
using System.Text;
using ItkWasm.Zarr;

namespace ItkWasm.Benchmarks;

/// <summary>
/// Reading level 0 of an OME-Zarr image (0.5, zstd, 128 × 128 × 64 chunks, a 512 × 512 × 256 uint16 volume of
/// partly random pixels) through the project's reader (<see cref="OmeZarrImage"/> on a folder) against zarrita in
/// Node.js (<c>bench/node/zarr-read.mjs</c>) on the same files, in the same run: the median of several reads each,
/// after warm-up reads.
/// </summary>
public static class ZarrBenchmarks
{
    private const int Warmup = 3;
    private const int Rounds = 7;
    private static readonly long[] Size = [512, 512, 256];

    public static async Task RunAsync(string root, string markdownPath)
    {
        var work = Directory.CreateTempSubdirectory("itkwasm-zarr-bench").FullName;
        try
        {
            var store = Path.Combine(work, "volume.ome.zarr");
            using (var volume = new Image(new ImageType(3, ComponentType.UInt16)) { Size = Size })
            {
                volume.Data.Dispose();
                volume.Data = DataBuffer.Allocate(volume.ByteLength);
                var values = volume.Data.AsSpan<ushort>(0, (int)volume.PixelCount);
                var random = new Random(24);
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (ushort)((i % 512 * 64) + random.Next(256)); // a gradient with noise: compressible, not trivially
                }

                await OmeZarrWriter.WriteAsync(volume, new OmeZarrFormat("0.5", [128, 128, 64], "zstd"), async (key, bytes, ct) =>
                {
                    var path = Path.Combine(store, key);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await File.WriteAllBytesAsync(path, bytes, ct).ConfigureAwait(false);
                }).ConfigureAwait(false);
            }

            var ours = new List<double>();
            for (var r = 0; r < Warmup + Rounds; r++)
            {
                var started = Stopwatch.GetTimestamp();
                using (await (await OmeZarrImage.OpenAsync(new ZarrFolderStore(store)).ConfigureAwait(false)).ReadAsync().ConfigureAwait(false))
                {
                }

                if (r >= Warmup)
                {
                    ours.Add(Stopwatch.GetElapsedTime(started).TotalSeconds);
                }
            }

            ours.Sort();
            var project = ours[ours.Count / 2];
            var zarrita = double.Parse(NodeScript.Run(root, "zarr-read.mjs", store, Warmup.ToString(CultureInfo.InvariantCulture), Rounds.ToString(CultureInfo.InvariantCulture)).Trim(), CultureInfo.InvariantCulture);
            var bytes = Size.Aggregate(2L, (p, n) => p * n);
            var stored = Directory.GetFiles(store, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Console.WriteLine($"zarr read: project {project:F3} s, zarrita {zarrita:F3} s");
            var section = new StringBuilder()
                .AppendLine("## OME-Zarr: reading level 0")
                .AppendLine()
                .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} by `bench/run zarr` on {Environment.ProcessorCount} logical cores, .NET {Environment.Version}, Node.js {NodeScript.Version()}: a {string.Join('×', Size)} uint16 volume ({bytes >> 20} MiB; {stored >> 20} MiB stored) in an OME-Zarr 0.5 store, zstd, 128×128×64 chunks, in a folder (page-cached), read whole; medians of {Rounds} reads after {Warmup} warm-up reads each. Peer: zarrita 0.7.5 (`zarr.get` on the array, numcodecs' zstd) on the same files in the same run. Ratio: the peer's time over ours (higher is better)."))
                .AppendLine()
                .AppendLine("| measurement | ours | peer | ratio | target |")
                .AppendLine("| --- | ---: | --- | ---: | --- |")
                .AppendLine(string.Create(CultureInfo.InvariantCulture, $"| level 0 read, `OmeZarrImage` on a folder | {project:F3} s, {bytes / project / (1 << 20):F0} MiB/s | zarrita: {zarrita:F3} s, {bytes / zarrita / (1 << 20):F0} MiB/s | {zarrita / project:F2}× | ≥ 0.8× |"));
            BenchmarkReport.WriteSection(markdownPath, "zarr", section.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
