using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>ILGPU data-movement kernels: strided block copies (concat, slice) and row gathers.</summary>
public static class LayoutKernels
{
    /// <summary>Copy parameters: dst[o * DstStride + DstOffset + j] = src[o * SrcStride + SrcOffset + j], j &lt; Length.</summary>
    public readonly struct BlockCopy
    {
        /// <summary>Strides and offsets of the two sides, and the block length.</summary>
        public readonly int SrcStride, SrcOffset, DstStride, DstOffset, Length;

        /// <summary>Creates copy parameters.</summary>
        public BlockCopy(int srcStride, int srcOffset, int dstStride, int dstOffset, int length) =>
            (SrcStride, SrcOffset, DstStride, DstOffset, Length) = (srcStride, srcOffset, dstStride, dstOffset, length);
    }

    /// <summary>One thread per copied element t = o * Length + j.</summary>
    public static void CopyBlocks(Index1D t, ArrayView<float> src, ArrayView<float> dst, BlockCopy c)
    {
        int o = t / c.Length, j = t - o * c.Length;
        dst[o * c.DstStride + c.DstOffset + j] = src[o * c.SrcStride + c.SrcOffset + j];
    }

    /// <summary>dst[i, j] = src[rows[i], j]; one thread per output element t = i * rowLength + j.</summary>
    public static void GatherRows(Index1D t, ArrayView<float> src, ArrayView<int> rows, ArrayView<float> dst, int rowLength)
    {
        int i = t / rowLength, j = t - i * rowLength;
        dst[t] = src[(long)rows[i] * rowLength + j];
    }

    /// <summary>Kernel entries for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Layout.CopyBlocks", typeof(LayoutKernels), nameof(CopyBlocks)),
        KernelEntry.Implicit("Layout.GatherRows", typeof(LayoutKernels), nameof(GatherRows)),
    ];
}

/// <summary>Loads and launches the layout kernels on one accelerator.</summary>
public sealed class LayoutLauncher
{
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, LayoutKernels.BlockCopy> _copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> _gather;

    /// <summary>Compiles the kernels for the accelerator.</summary>
    public LayoutLauncher(Accelerator accelerator)
    {
        _copy = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LayoutKernels.BlockCopy>(LayoutKernels.CopyBlocks);
        _gather = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(LayoutKernels.GatherRows);
    }

    /// <summary>Copies outer blocks of c.Length elements between strided positions.</summary>
    public void CopyBlocks(ArrayView<float> src, ArrayView<float> dst, int outer, LayoutKernels.BlockCopy c)
    {
        if (outer * c.Length > 0) _copy(outer * c.Length, src, dst, c);
    }

    /// <summary>dst [rows.Length, rowLength] = the rows of src listed in <paramref name="rows"/> (indices already on the device).</summary>
    public void GatherRows(ArrayView<float> src, ArrayView<int> rows, ArrayView<float> dst, int rowLength)
    {
        if (rows.Length * rowLength > 0) _gather((int)rows.Length * rowLength, src, rows, dst, rowLength);
    }
}
