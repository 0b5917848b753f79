using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// ILGPU's CPU simulator (the <c>ilgpu-cpu</c> backend) for kernel tests: a Context with algorithms enabled and one
/// CPU accelerator. Use it as an xunit class fixture so that a test class compiles its kernels once.
/// </summary>
/// <remarks>
/// The simulator runs every thread of a group as an OS thread and its barriers are real, so the default device is
/// small: 2 threads per warp, 2 warps, 1 multiprocessor, i.e. groups of at most 4 threads. That keeps tests fast on
/// a 2-core machine while explicitly grouped kernels still run with several threads per group. Keep problems small:
/// the simulator does about 1 GFLOP/s. An out-of-range index in a kernel ends the whole test process.
/// </remarks>
public class IlgpuTestAccelerator : IDisposable
{
    /// <summary>Creates the simulator with the default small device (groups of at most 4 threads).</summary>
    public IlgpuTestAccelerator()
        : this(new CPUDevice(numThreadsPerWarp: 2, numWarpsPerMultiprocessor: 2, numMultiprocessors: 1))
    {
    }

    /// <summary>
    /// Creates the simulator for <paramref name="device"/>. Protected because an xunit fixture may have only one
    /// public constructor: derive a fixture class to use another device.
    /// </summary>
    protected IlgpuTestAccelerator(CPUDevice device)
    {
        Context = Context.Create(builder => builder.CPU(device).EnableAlgorithms());
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    /// <summary>The ILGPU context.</summary>
    public Context Context { get; }

    /// <summary>The simulated accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>
    /// Copies <paramref name="data"/> into a new device buffer (dispose it after use). ILGPU cannot allocate an empty
    /// buffer, so empty data gets a one-element buffer.
    /// </summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] data)
    {
        if (data.Length > 0)
        {
            return Accelerator.Allocate1D(data);
        }
        return Accelerator.Allocate1D<float>(1);
    }

    /// <summary>Waits for queued kernels and copies <paramref name="buffer"/> back.</summary>
    public float[] Download(MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        Accelerator.Synchronize();
        return buffer.GetAsArray1D();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
        GC.SuppressFinalize(this);
    }
}
