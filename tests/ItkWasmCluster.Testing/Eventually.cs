using System.Diagnostics;
using ItkWasm;
using ItkWasm.IO;

namespace ItkWasmCluster.Testing;

/// <summary>Helpers of the tests that drive silo processes: waiting for a condition, and writing distinct images.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; after <paramref name="within"/>
    /// (default 2 minutes) throws a <see cref="TimeoutException"/> that says what it waited for.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? within = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (within ?? TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException($"timed out waiting for {what()}");
            }

            await Task.Delay(100);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, Func{string}, TimeSpan?)"/>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null) => UntilAsync(condition, () => what, within);

    /// <summary>Writes <paramref name="count"/> distinct <paramref name="size"/>² uint8 images of random pixels (seeded
    /// by their number) into <paramref name="folder"/> as <c>item{N}.iwi.cbor</c>, N with <paramref name="digits"/>
    /// digits.</summary>
    public static void WriteRandomImages(string folder, int count, int size, int digits)
    {
        for (var i = 0; i < count; i++)
        {
            using var image = new Image(new ImageType()) { Size = [size, size], Origin = [0, 0], Spacing = [1, 1], Direction = [1, 0, 0, 1] };
            image.Data.Dispose();
            image.Data = DataBuffer.Allocate(image.ByteLength);
            new Random(i).NextBytes(image.Data.AsSpan());
            ImageFile.Write(image, Path.Combine(folder, $"item{i.ToString($"D{digits}", System.Globalization.CultureInfo.InvariantCulture)}.iwi.cbor"));
        }
    }
}
