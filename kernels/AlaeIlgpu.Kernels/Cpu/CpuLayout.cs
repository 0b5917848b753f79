namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>The <c>cpu</c> backend's data-movement kernels: strided block copies (concat, slice) and row gathers.</summary>
public static class CpuLayout
{
    /// <summary>
    /// For o &lt; outer: dst[o * dstStride + dstOffset + j] = src[o * srcStride + srcOffset + j], j &lt; length.
    /// Concat and slice along an axis are this copy with outer = product of the leading extents.
    /// </summary>
    public static void CopyBlocks(ReadOnlySpan<float> src, int srcStride, int srcOffset,
                                  Span<float> dst, int dstStride, int dstOffset, int outer, int length)
    {
        for (int o = 0; o < outer; o++)
            src.Slice(o * srcStride + srcOffset, length).CopyTo(dst.Slice(o * dstStride + dstOffset, length));
    }

    /// <summary>dst[i, :] = src[rows[i], :] for rows of <paramref name="rowLength"/> elements.</summary>
    public static void GatherRows(ReadOnlySpan<float> src, int rowLength, ReadOnlySpan<int> rows, Span<float> dst)
    {
        int available = src.Length / Math.Max(rowLength, 1);
        for (int i = 0; i < rows.Length; i++)
        {
            if ((uint)rows[i] >= (uint)available)
                throw new ArgumentOutOfRangeException(nameof(rows), $"Row {rows[i]} is outside a source of {available} rows.");
            src.Slice(rows[i] * rowLength, rowLength).CopyTo(dst.Slice(i * rowLength, rowLength));
        }
    }
}
