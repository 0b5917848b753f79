using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>Interim naive GEMM kernel until branch gemm lands.</summary>
public static class GemmKernels
{
    /// <summary>One thread per C element.</summary>
    public static void Naive(Index2D ij, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k, int flags)
    {
        int i = ij.X, j = ij.Y;
        bool transA = (flags & 1) != 0, transB = (flags & 2) != 0;
        float s = (flags & 4) != 0 ? c[i * n + j] : 0f;
        for (int p = 0; p < k; p++)
            s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
        c[i * n + j] = s;
    }

    /// <summary>Entries.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } = [KernelEntry.Implicit("Gemm.Naive", typeof(GemmKernels), nameof(Naive))];
}

/// <summary>Interim launcher.</summary>
public sealed class GemmLauncher
{
    private readonly Action<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int> _naive;

    /// <summary>Loads.</summary>
    public GemmLauncher(Accelerator accelerator) =>
        _naive = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(GemmKernels.Naive);

    /// <summary>Multiply.</summary>
    public void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        if (m * n > 0) _naive(new Index2D(m, n), a, b, c, m, n, k, (transA ? 1 : 0) | (transB ? 2 : 0) | (accumulate ? 4 : 0));
    }
}
