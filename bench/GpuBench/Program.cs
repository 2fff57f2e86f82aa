using System.Diagnostics;
using System.Globalization;
using ItkWasm;
using ItkWasm.Downsample.Accelerated;

// bench/gpu: downsample-bin-shrink and downsample on an N³ float32 image (default 512), each GPU override (ILGPU;
// transfers and device allocation included) against the SIMD one on the CPU, medians of 5 after a warm-up. Prints a
// JSON line for each. Runs wherever ILGPU finds a CUDA or OpenCL device; ITKWASM_GPU_ACCELERATOR=cpu lets the CPU
// accelerator stand in (to try the build, not to measure).
var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 512;
using var device = GpuDevice.Find(Environment.GetEnvironmentVariable(GpuDevice.CpuVariable) == "cpu");
if (device is null)
{
    Console.Error.WriteLine("gpu-bench: ILGPU found no CUDA or OpenCL device");
    return 2;
}

using var image = ItkWasm.Benchmarks.Volumes.RandomFloat32(n);

int[] factors = [2, 2, 2];
int[] crop = [0, 0, 0];
Measure("downsample-bin-shrink", () => BinShrinkGpu.Run(device, image, factors), () => BinShrink.Run(image, factors));
Measure("downsample", () => GaussianDownsampleGpu.Run(device, image, factors, crop), () => GaussianDownsample.Run(image, factors, crop));
return 0;

void Measure(string function, Func<Image> onGpu, Func<Image> onCpu)
{
    var (gpu, simd) = (new List<double>(), new List<double>());
    var same = false;
    for (var r = -1; r < 5; r++)
    {
        var g = Time(onGpu);
        var s = Time(onCpu);
        if (r >= 0)
        {
            gpu.Add(g);
            simd.Add(s);
        }
        else
        {
            using var a = onGpu();
            using var b = onCpu();
            same = a.Data.ContentEquals(b.Data);
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{{\"function\":\"{function}\",\"size\":{n},\"device\":\"{device.Implementation}\",\"name\":\"{device.Accelerator.Name}\",\"gpuMs\":{Median(gpu):F1},\"simdMs\":{Median(simd):F1},\"gpuOverSimd\":{Median(simd) / Median(gpu):F2},\"sameResult\":{same.ToString().ToLowerInvariant()}}}"));
}

static double Time(Func<Image> run)
{
    var watch = Stopwatch.StartNew();
    using var result = run();
    return watch.Elapsed.TotalMilliseconds;
}

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
