using ItkWasm;

namespace ItkWasmCluster.Testing;

/// <summary>
/// Pixel comparison that counts any NaN equal to any NaN. WebAssembly leaves the bits of a NaN produced by arithmetic
/// unspecified, and V8's compiler tiers differ in them, so a float pipeline run twice on data holding NaNs (shared
/// data's test.fdf holds 282) can differ in NaN payloads only.
/// </summary>
public static class PixelAssert
{
    public static void Equal(Image expected, Image actual, string what)
    {
        Assert.Equal(expected.ImageType, actual.ImageType);
        Assert.Equal(expected.Data.Length, actual.Data.Length);
        if (expected.Data.ContentEquals(actual.Data))
        {
            return;
        }

        Assert.True(expected.ImageType.ComponentType is ComponentType.Float32 or ComponentType.Float64, $"{what}: pixels differ");
        var (a, b) = expected.ImageType.ComponentType == ComponentType.Float32
            ? (expected.Data.ToArray<float>().Select(v => (double)v).ToArray(), actual.Data.ToArray<float>().Select(v => (double)v).ToArray())
            : (expected.Data.ToArray<double>(), actual.Data.ToArray<double>());
        for (var i = 0; i < a.Length; i++)
        {
            Assert.True(a[i].Equals(b[i]) || (double.IsNaN(a[i]) && double.IsNaN(b[i])), $"{what}: pixel {i} is {b[i]}, expected {a[i]}");
        }
    }
}
