using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using ItkWasm.IO;
using ItkWasm.IO.Zstd;

namespace ItkWasm.Benchmarks;

/// <summary>
/// Read and write throughput of a 256³ float32 image (64 MiB) as <c>.iwi.cbor</c> and <c>.iwi.cbor.zst</c>, against
/// a plain copy of the same bytes between the same file and native memory, and against libzstd alone on the same bytes.
/// </summary>
public class FileThroughputBenchmarks
{
    public const int Side = 256;

    private readonly string directory = Path.Combine(Path.GetTempPath(), "itkwasm-bench-" + Environment.ProcessId);
    private Image image = null!;
    private DataBuffer cborBytes = null!;

    public string CborPath => Path.Combine(directory, "volume.iwi.cbor");

    public string ZstdPath => Path.Combine(directory, "volume.iwi.cbor.zst");

    private string OutputPath => Path.Combine(directory, "out.iwi.cbor");

    private string OutputZstdPath => Path.Combine(directory, "out.iwi.cbor.zst");

    [GlobalSetup]
    public void Setup()
    {
        Directory.CreateDirectory(directory);
        image = SyntheticVolume();
        ImageFile.Write(image, CborPath);
        ImageFile.Write(image, ZstdPath);
        cborBytes = DataBuffer.Allocate(new FileInfo(CborPath).Length);
        using var stream = File.OpenRead(CborPath);
        cborBytes.ReadFrom(stream);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        image.Dispose();
        cborBytes.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(Description = "copy read: file bytes into native memory")]
    public long CopyRead()
    {
        using var buffer = DataBuffer.Allocate(cborBytes.Length);
        using var stream = new FileStream(CborPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        buffer.ReadFrom(stream);
        return buffer.Length;
    }

    [Benchmark(Description = "read .iwi.cbor")]
    public long ReadCbor()
    {
        using var read = ImageFile.Read(CborPath);
        return read.Data.Length;
    }

    [Benchmark(Description = "read .iwi.cbor.zst")]
    public long ReadCborZstd()
    {
        using var read = ImageFile.Read(ZstdPath);
        return read.Data.Length;
    }

    [Benchmark(Description = "libzstd alone: decompress the .zst file into native memory")]
    public long DecompressOnly()
    {
        using var buffer = DataBuffer.Allocate(cborBytes.Length);
        using var file = File.OpenRead(ZstdPath);
        using var zstd = new ZstdStream(file, CompressionMode.Decompress);
        buffer.ReadFrom(zstd);
        return buffer.Length;
    }

    [Benchmark(Description = "copy write: native memory to a file")]
    public long CopyWrite()
    {
        using var stream = new FileStream(OutputPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        cborBytes.WriteTo(stream);
        return stream.Length;
    }

    [Benchmark(Description = "write .iwi.cbor")]
    public long WriteCbor()
    {
        ImageFile.Write(image, OutputPath);
        return image.Data.Length;
    }

    [Benchmark(Description = "write .iwi.cbor.zst")]
    public long WriteCborZstd()
    {
        ImageFile.Write(image, OutputZstdPath);
        return image.Data.Length;
    }

    [Benchmark(Description = "libzstd alone: compress the same bytes to a file")]
    public long CompressOnly()
    {
        using var file = new FileStream(OutputZstdPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var zstd = new ZstdStream(file, CompressionMode.Compress, cborBytes.Length);
        cborBytes.WriteTo(zstd);
        return cborBytes.Length;
    }

    /// <summary>A 256³ float32 CT-like volume (spheres of different densities plus mild noise), so zstd and the
    /// pipelines see realistic data.</summary>
    public static Image SyntheticVolume()
    {
        var volume = new Image(new ImageType(3, ComponentType.Float32))
        {
            Size = [Side, Side, Side],
            Spacing = [0.5, 0.5, 1.25],
            Origin = [-64, -64, -160],
        };
        volume.Data.Dispose();
        volume.Data = DataBuffer.Allocate(volume.ByteLength);
        var random = new Random(42);
        for (var z = 0; z < Side; z++)
        {
            var slice = volume.Data.AsSpan<float>((long)z * Side * Side, Side * Side);
            for (var y = 0; y < Side; y++)
            {
                for (var x = 0; x < Side; x++)
                {
                    var r = MathF.Sqrt(((x - 128) * (x - 128)) + ((y - 128) * (y - 128)) + ((z - 128) * (z - 128)));
                    var density = r < 40 ? 1060f : r < 100 ? 40f : r < 110 ? 1400f : -1000f;
                    slice[(y * Side) + x] = MathF.Round(density + (random.NextSingle() * 8));
                }
            }
        }

        return volume;
    }
}
