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
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, LayoutKernels.BlockCopy> _copy;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int> _gather;
    private MemoryBuffer1D<int, Stride1D.Dense>? _indices;

    /// <summary>Compiles the kernels for the accelerator.</summary>
    public LayoutLauncher(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _copy = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, LayoutKernels.BlockCopy>(LayoutKernels.CopyBlocks);
        _gather = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, int>(LayoutKernels.GatherRows);
    }

    /// <summary>Copies outer blocks of c.Length elements between strided positions.</summary>
    public void CopyBlocks(ArrayView<float> src, ArrayView<float> dst, int outer, LayoutKernels.BlockCopy c)
    {
        if (outer * c.Length > 0) _copy(outer * c.Length, src, dst, c);
    }

    /// <summary>
    /// dst [rows.Length, rowLength] = src rows. The row indices go through one device buffer kept for the launcher's
    /// lifetime (grown when a larger batch comes), so gathering a batch every training step allocates nothing. The
    /// copy of the indices waits for the device (a copy from host memory does); the gather itself is only queued: the
    /// next call's copy into the same buffer goes to the same stream, behind it.
    /// </summary>
    public void GatherRows(ArrayView<float> src, ReadOnlySpan<int> rows, ArrayView<float> dst, int rowLength)
    {
        if (rows.Length * rowLength == 0) return;
        if (_indices is null || _indices.Length < rows.Length)
        {
            if (_indices is not null)
            {
                _accelerator.DefaultStream.Synchronize();   // a queued gather may still read the old buffer
                _indices.Dispose();
            }

            _indices = _accelerator.Allocate1D<int>(rows.Length);
        }
        var indices = _indices.View.SubView(0, rows.Length);
        indices.CopyFromCPU(rows.ToArray());
        _gather(rows.Length * rowLength, src, indices, dst, rowLength);
    }
}
