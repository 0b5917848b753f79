using AlaeIlgpu.Kernels;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// ILGPU's CPU simulator with 16-thread groups (4 threads per warp, 4 warps, 1 processor): every simulated thread is an
/// OS thread, so small groups keep the kernel tests fast. Used as an xunit class fixture.
/// </summary>
public sealed class SimulatorAccelerator : IDisposable
{
    /// <summary>Creates the context (with algorithms enabled, as every context must) and the accelerator.</summary>
    public SimulatorAccelerator()
    {
        Context = Context.Create(b => b.CPU(new CPUDevice(4, 4, 1)).EnableAlgorithms());
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    /// <summary>The ILGPU context.</summary>
    public Context Context { get; }

    /// <summary>The simulator accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Copies <paramref name="values"/> to a new device buffer.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Upload(float[] values) => Accelerator.Allocate1D(values);

    /// <summary>A new device buffer of <paramref name="length"/> elements, filled with NaN so unwritten elements show.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> Poisoned(int length) => Accelerator.Allocate1D(Enumerable.Repeat(float.NaN, length).ToArray());

    /// <summary>Waits for the device and copies <paramref name="buffer"/> back.</summary>
    public float[] Download(MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        Accelerator.Synchronize();
        return buffer.GetAsArray1D();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

/// <summary>Compiles kernel entries to PTX and OpenCL C without a GPU (see ILGPU_PROBE.md section 4).</summary>
public static class KernelCompileCheck
{
    /// <summary>Compiles every entry for sm_80+ PTX and for OpenCL C 2.0; fails naming the first entry that does not compile.</summary>
    public static void CompilesForCudaAndOpenCl(IEnumerable<KernelEntry> entries)
    {
        using var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        var ptx = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_80), CudaArchitecture.SM_80,
            CudaInstructionSet.ISA_80, nvvmAPI: null);
        var cl = new CLBackend(context, new CLCapabilityContext(float16: false, float64: true, genericAddressSpace: true,
            int64_Atomics: true, subGroups: false), CLDeviceVendor.Other, CLCVersion.CL20);
        foreach (var entry in entries)
        {
            var description = entry.ExplicitlyGrouped
                ? EntryPointDescription.FromExplicitlyGroupedKernel(entry.Method)
                : EntryPointDescription.FromImplicitlyGroupedKernel(entry.Method);
            var compiledPtx = (PTXCompiledKernel)ptx.Compile(description, KernelSpecialization.Empty);
            Assert.True(compiledPtx.PTXAssembly.Contains(".entry", StringComparison.Ordinal), $"{entry.Name}: no PTX entry point");
            var compiledCl = (CLCompiledKernel)cl.Compile(description, KernelSpecialization.Empty);
            Assert.True(compiledCl.Source.Contains("kernel", StringComparison.Ordinal), $"{entry.Name}: no OpenCL kernel");
        }
    }
}
