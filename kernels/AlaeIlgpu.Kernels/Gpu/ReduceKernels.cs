using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>ILGPU reduction: a sum over the middle axis of [outer, reduce, inner], one thread per output element.</summary>
/// <remarks>The engine splits long reductions into two passes so that each pass has enough threads.</remarks>
public static class ReduceKernels
{
    /// <summary>y[o, i] = sum over r of x[o, r, i], for output index t = o * inner + i.</summary>
    public static void SumMiddle(Index1D t, ArrayView<float> x, ArrayView<float> y, int reduce, int inner)
    {
        int o = t / inner, i = t - o * inner;
        long baseIndex = (long)o * reduce * inner + i;
        float acc = 0f;
        for (int r = 0; r < reduce; r++) acc += x[baseIndex + (long)r * inner];
        y[t] = acc;
    }

    /// <summary>Kernel entries for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
        [KernelEntry.Implicit("Reduce.SumMiddle", typeof(ReduceKernels), nameof(SumMiddle))];
}

/// <summary>Loads and launches the reduction kernel on one accelerator.</summary>
public sealed class ReduceLauncher
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> _sumMiddle;

    /// <summary>Compiles the kernel for the accelerator.</summary>
    public ReduceLauncher(Accelerator accelerator) =>
        _sumMiddle = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(ReduceKernels.SumMiddle);

    /// <summary>y [outer, inner] = sum over the middle axis of x [outer, reduce, inner].</summary>
    public void SumMiddle(ArrayView<float> x, ArrayView<float> y, int outer, int reduce, int inner)
    {
        if (outer * inner > 0) _sumMiddle(outer * inner, x, y, reduce, inner);
    }
}
