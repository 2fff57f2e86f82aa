namespace ItkWasm.Benchmarks;

/// <summary>Test volumes for the benchmarks (shared by ItkWasm.Benchmarks and GpuBench).</summary>
internal static class Volumes
{
    /// <summary>An <paramref name="n"/>³ float32 image of uniform random values in [0, 1000), the same for every run.</summary>
    public static Image RandomFloat32(int n)
    {
        var image = new Image(new ImageType(3, ComponentType.Float32)) { Size = [n, n, n] };
        image.Data = DataBuffer.Allocate(image.ByteLength);
        var random = new Random(11);
        for (long i = 0; i < image.PixelCount; i += 1 << 16)
        {
            var span = image.Data.AsSpan<float>(i, (int)Math.Min(1 << 16, image.PixelCount - i));
            for (var j = 0; j < span.Length; j++)
            {
                span[j] = (float)(random.NextDouble() * 1000);
            }
        }

        return image;
    }
}
