using System.Globalization;
using ItkWasm.Pipelines;
using ItkWasm.Pipelines.Dispatch;
using ItkWasm.Runtime.Node;
using ItkWasm.Tests;

namespace ItkWasm.Downsample.Accelerated.Tests;

/// <summary>The SIMD bin shrink against <c>@itk-wasm/downsample</c> 2.0.2's own <c>downsample-bin-shrink</c> module
/// (npm, on Node), on the shared data's scalar images and on every component type, with factors that do not divide the
/// sizes.</summary>
public sealed class BinShrinkTests(BinShrinkTests.WasmFixture wasm) : IClassFixture<BinShrinkTests.WasmFixture>
{
    public static TheoryData<string, int[]> SampleImages { get; } = new()
    {
        { "itk-wasm/cthead1.png", [2, 2] },
        { "itk-wasm/cthead1.png", [3, 5] },
        { "itk-wasm/test.fdf", [3, 2] },
        { "itk-wasm/tooth.nrrd", [2, 3, 2] },
        { "itk-wasm/statue-leg.nrrd", [3, 3, 3] },
        { "itk-examples/BrainProtonDensity3Slices.mha", [2, 2, 3] },
        { "itk-examples/BrainProtonDensitySliceBorder20DirectionPlus30.mhd", [3, 2] },
        { "itk-examples/CorpusCallosumMeanShape.mha", [5, 3] },
        { "itk-examples/KmeansTest_T1KmeansPrelimSegmentation.nii.gz", [3, 3, 2] },
        { "itk-examples/KmeansTest_T1UCharRaw.nii.gz", [4, 4, 2] },
        { "itk-examples/RatLungSlice1.mha", [3, 3] },
    };

    public static TheoryData<ComponentType> ComponentTypes { get; } = new(Enum.GetValues<ComponentType>());

    [Theory]
    [MemberData(nameof(SampleImages))]
    public async Task EverySampleImage_GivesTheWasmModulesGridAndPixels(string file, int[] factors)
    {
        using var input = await new ItkWasm.Pipelines.ImageIo(wasm.Runtime).ReadAsync(SharedData.Path(file));
        Assert.Equal(1, input.ImageType.Components);

        await AssertSameAsWasmAsync(input, factors);
    }

    [Theory]
    [MemberData(nameof(ComponentTypes))]
    public async Task EveryComponentType_GivesTheWasmModulesPixels_OnAnOddSized3DImage(ComponentType type)
    {
        using var input = Synthetic(type, [13, 9, 5]);

        await AssertSameAsWasmAsync(input, [2, 4, 3]);
    }

    [Fact]
    public async Task UInt32MeansOf2To31AndAbove_AreTheMean_WhereTheModuleSaturates()
    {
        using var input = Synthetic(ComponentType.UInt32, [2, 2]);
        var values = input.Data.AsSpan<uint>(0, 4);
        values[0] = 3_000_000_000;
        values[1] = 3_000_000_001;
        values[2] = 4_000_000_000;
        values[3] = 4_000_000_001;
        string[] args = ["0", "0", "--shrink-factors", "2", "2"];

        using var wasmResult = await WasmAsync(input, args);
        using var simd = await new DownsampleBinShrinkSimd().RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        Assert.Equal(3_500_000_001u, simd.Output<Image>(0).Data.AsSpan<uint>(0, 1)[0]); // 3,500,000,000.5 rounded half up
        Assert.Equal(2_147_483_648u, wasmResult.Output<Image>(0).Data.AsSpan<uint>(0, 1)[0]); // ITK rounds through a signed 32-bit integer
    }

    [Fact]
    public async Task InformationOnly_GivesTheGridAndNoPixels_AsTheModule()
    {
        using var input = Synthetic(ComponentType.Float32, [11, 7]);
        string[] args = ["0", "0", "--shrink-factors", "3", "2", "--information-only"];

        using var expected = await WasmAsync(input, args);
        using var actual = await new DownsampleBinShrinkSimd().RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        AssertSameGrid(expected.Output<Image>(0), actual.Output<Image>(0));
        Assert.Equal(0, actual.Output<Image>(0).Data.Length);
    }

    [Fact]
    public async Task ArgumentsTheModuleRefuses_AreRefused_SayingWhy()
    {
        using var input = Synthetic(ComponentType.UInt8, [4, 4]);
        var simd = new DownsampleBinShrinkSimd();
        PipelineOutput[] outputs = [new PipelineOutput(InterfaceType.Image)];
        PipelineInput[] inputs = [PipelineInput.Image(input)];

        var count = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "--shrink-factors", "2"], outputs, inputs));
        var small = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "--shrink-factors", "5", "2"], outputs, inputs));
        var missing = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0"], outputs, inputs));
        var unknown = await Assert.ThrowsAsync<PipelineRunException>(() => simd.RunAsync(["0", "0", "-s", "2", "2", "--crop-radius", "1", "1"], outputs, inputs));

        Assert.Contains("--shrink-factors takes 2 values for a 2D image, not 1", count.Message, StringComparison.Ordinal);
        Assert.Contains("axis 0 has 4 pixels, fewer than its shrink factor 5", small.Message, StringComparison.Ordinal);
        Assert.Contains("--shrink-factors is required", missing.Message, StringComparison.Ordinal);
        Assert.Contains("not expected: --crop-radius", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRegistry_ChoosesTheSimdOverride_UntilItIsDisabled()
    {
        var registry = new PipelineOverrides();
        registry.Register(new DownsampleBinShrinkSimd());

        Assert.IsType<DownsampleBinShrinkSimd>(registry.HighestPriority("@itk-wasm/downsample:downsample-bin-shrink"));
        registry.Disable("@itk-wasm/downsample:downsample-bin-shrink");
        Assert.Null(registry.HighestPriority("@itk-wasm/downsample:downsample-bin-shrink"));
    }

    private async Task AssertSameAsWasmAsync(Image input, int[] factors)
    {
        string[] args = ["0", "0", "--shrink-factors", .. factors.Select(f => f.ToString(CultureInfo.InvariantCulture))];

        using var expected = await WasmAsync(input, args);
        using var actual = await new DownsampleBinShrinkSimd().RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

        var (e, a) = (expected.Output<Image>(0), actual.Output<Image>(0));
        AssertSameGrid(e, a);
        Assert.Equal(e.ImageType, a.ImageType);
        Assert.True(SamePixels(e, a), $"pixels differ: {FirstDifference(e, a)}");
    }

    private static void AssertSameGrid(Image expected, Image actual)
    {
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.Spacing, actual.Spacing);
        Assert.Equal(expected.Origin, actual.Origin);
        Assert.Equal(expected.Direction, actual.Direction);
    }

    // Byte for byte, except that any NaN equals any NaN (payloads and signs of NaNs differ between WebAssembly and x64).
    private static bool SamePixels(Image expected, Image actual) => expected.ImageType.ComponentType switch
    {
        ComponentType.Float32 => expected.Data.ToArray<float>().SequenceEqual(actual.Data.ToArray<float>(), new NanEqual<float>()),
        ComponentType.Float64 => expected.Data.ToArray<double>().SequenceEqual(actual.Data.ToArray<double>(), new NanEqual<double>()),
        _ => expected.Data.ContentEquals(actual.Data),
    };

    private static string FirstDifference(Image expected, Image actual)
    {
        var e = expected.Data.AsSpan();
        var a = actual.Data.AsSpan();
        var size = expected.ByteLength / expected.PixelCount;
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
        {
            if (e[i] != a[i])
            {
                var p = i / size;
                return $"pixel {p}: {Value(expected, p)} expected, {Value(actual, p)} actual";
            }
        }

        return $"lengths {e.Length} and {a.Length}";
    }

    private static string Value(Image image, long p) => image.ImageType.ComponentType switch
    {
        ComponentType.Float32 => image.Data.AsSpan<float>(p, 1)[0].ToString("R", CultureInfo.InvariantCulture),
        ComponentType.Float64 => image.Data.AsSpan<double>(p, 1)[0].ToString("R", CultureInfo.InvariantCulture),
        ComponentType.UInt32 => image.Data.AsSpan<uint>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        ComponentType.Int32 => image.Data.AsSpan<int>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        ComponentType.Int64 => image.Data.AsSpan<long>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        ComponentType.UInt64 => image.Data.AsSpan<ulong>(p, 1)[0].ToString(CultureInfo.InvariantCulture),
        _ => "?",
    };

    private Task<PipelineResult> WasmAsync(Image input, string[] args) =>
        new Pipeline(PipelineReference.Parse("@itk-wasm/downsample:downsample-bin-shrink"), wasm.Runtime)
            .RunAsync(args, [new PipelineOutput(InterfaceType.Image)], [PipelineInput.Image(input)]);

    // A ramp with negative values for signed types and values near the top of each type's range, with a rotated
    // direction and an offset origin, so that the grid and the rounding are both exercised.
    private static Image Synthetic(ComponentType type, long[] size)
    {
        var d = size.Length;
        var image = new Image(new ImageType(d, type))
        {
            Size = size,
            Spacing = [.. Enumerable.Range(0, d).Select(i => 0.5 + i)],
            Origin = [.. Enumerable.Range(0, d).Select(i => -3.25 * (i + 1))],
        };
        var (c, s) = (Math.Cos(0.3), Math.Sin(0.3));
        image.Direction[0] = c;
        image.Direction[1] = -s;
        image.Direction[d] = s;
        image.Direction[d + 1] = c;
        image.Data = DataBuffer.Allocate(image.ByteLength);
        for (long i = 0; i < image.PixelCount; i++)
        {
            var v = ((i * 37) % 101) - 50 + (i % 7 * 0.25);
            switch (type)
            {
                case ComponentType.Int8: image.Data.AsSpan<sbyte>(i, 1)[0] = (sbyte)(v * 2.5); break;
                case ComponentType.UInt8: image.Data.AsSpan<byte>(i, 1)[0] = (byte)(v + 120); break;
                case ComponentType.Int16: image.Data.AsSpan<short>(i, 1)[0] = (short)(v * 655); break;
                case ComponentType.UInt16: image.Data.AsSpan<ushort>(i, 1)[0] = (ushort)((v + 51) * 1290); break;
                case ComponentType.Int32: image.Data.AsSpan<int>(i, 1)[0] = (int)(v * 4.2e7); break;
                case ComponentType.UInt32: image.Data.AsSpan<uint>(i, 1)[0] = (uint)((v + 51) * 2.1e7); break; // means below 2³¹: see UInt32MeansOf2To31AndAbove
                case ComponentType.Int64: image.Data.AsSpan<long>(i, 1)[0] = (long)(v * 1e12) + 3; break;
                case ComponentType.UInt64: image.Data.AsSpan<ulong>(i, 1)[0] = (ulong)((v + 51) * 1e12) + 1; break;
                case ComponentType.Float32: image.Data.AsSpan<float>(i, 1)[0] = (float)(v / 3.0); break;
                default: image.Data.AsSpan<double>(i, 1)[0] = v / 3.0; break;
            }
        }

        return image;
    }

    private sealed class NanEqual<T> : IEqualityComparer<T>
        where T : System.Numerics.IFloatingPointIeee754<T>
    {
        public bool Equals(T? x, T? y) => (T.IsNaN(x!) && T.IsNaN(y!)) || BitEquals(x!, y!);

        public int GetHashCode(T obj) => 0;

        private static bool BitEquals(T x, T y) => x == y && T.IsNegative(x) == T.IsNegative(y);
    }

    public sealed class WasmFixture : IDisposable
    {
        public NodeWasmRuntime Runtime { get; } = new(new NodeWasmRuntimeOptions { MaxConcurrency = 1 });

        public void Dispose() => Runtime.Dispose();
    }
}
