using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace ItkWasm.Downsample.Accelerated;

/// <summary>
/// The one ILGPU accelerator a process runs GPU overrides on: the first CUDA device (through the NVIDIA driver's
/// <c>libcuda</c>), else the first OpenCL device, else, only when asked (<see cref="CpuVariable"/> set to <c>cpu</c>,
/// for tests), ILGPU's CPU accelerator, an emulator that is correct but slow. Kernels run one at a time (a lock), each
/// launch synchronized before it returns. Thread-safe.
/// </summary>
public sealed class GpuDevice : IDisposable
{
    /// <summary>The environment variable that, set to <c>cpu</c>, lets ILGPU's CPU accelerator stand in for a GPU.</summary>
    public const string CpuVariable = "ITKWASM_GPU_ACCELERATOR";

    private static readonly Lazy<GpuDevice?> Shared = new(() => Find(Environment.GetEnvironmentVariable(CpuVariable) == "cpu"));

    private readonly Context context;
    private readonly Lock gate = new();

    private GpuDevice(Context context, Accelerator accelerator, string implementation)
    {
        this.context = context;
        Accelerator = accelerator;
        Implementation = implementation;
    }

    /// <summary>Gets the process's device, found on first use; null when there is none.</summary>
    public static GpuDevice? Current => Shared.Value;

    /// <summary>Gets the accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Gets the implementation name overrides on this device report: <c>gpu:cuda</c>, <c>gpu:opencl</c> or
    /// <c>gpu:cpu</c>.</summary>
    public string Implementation { get; }

    /// <summary>Finds a device: CUDA, else OpenCL, else (with <paramref name="allowCpu"/>) the CPU accelerator.</summary>
    /// <returns>The device, or null when there is none; the caller disposes it.</returns>
    public static GpuDevice? Find(bool allowCpu)
    {
        var context = Context.Create(builder => builder.Cuda().OpenCL().CPU());
        try
        {
            var devices = context.Devices;
            var device = devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.Cuda)
                ?? devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.OpenCL)
                ?? (allowCpu ? devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.CPU) : null);
            if (device is null)
            {
                context.Dispose();
                return null;
            }

            var name = device.AcceleratorType switch
            {
                AcceleratorType.Cuda => "gpu:cuda",
                AcceleratorType.OpenCL => "gpu:opencl",
                _ => "gpu:cpu",
            };
            return new GpuDevice(context, device.CreateAccelerator(context), name);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> with the accelerator to itself.</summary>
    public T Run<T>(Func<Accelerator, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        lock (gate)
        {
            return work(Accelerator);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Accelerator.Dispose();
        context.Dispose();
    }
}
