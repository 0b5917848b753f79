using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// A dense matrix seen as <c>[width, depth]</c>: element (w, p) lives at <c>Data[p * Stride + w]</c> when it is
/// contiguous along the width, else at <c>Data[w * Stride + p]</c>.
/// </summary>
internal readonly unsafe struct PanelSource(float* data, int width, nint stride, bool alongWidth)
{
    /// <summary>First element.</summary>
    public readonly float* Data = data;

    /// <summary>Extent along the width (rows of op(A), columns of op(B)).</summary>
    public readonly int Width = width;

    /// <summary>Distance between consecutive rows of the storage, in floats.</summary>
    public readonly nint Stride = stride;

    /// <summary>Whether consecutive widths are adjacent in memory.</summary>
    public readonly bool AlongWidth = alongWidth;
}

/// <summary>
/// Copies a GEMM operand into micro-panels: <c>[panels][depth][width]</c>, zero-padded past the operand's width, so
/// that the micro-kernel reads both operands with unit stride whatever their storage and transposes.
/// </summary>
internal static unsafe class PanelPacking
{
    /// <summary>Rows transposed per block on the AVX path.</summary>
    private const int Block = 8;

    /// <summary>
    /// Packs <paramref name="panels"/> panels of <paramref name="width"/> from panel <paramref name="firstPanel"/>,
    /// depth <c>[p0, p0 + kc)</c>, into <paramref name="dst"/>. An operand stored along the width is read one source row
    /// at a time across all the panels: its rows lie a whole matrix row apart, and reading them panel by panel (128
    /// bytes per 4 KiB row, say) defeats the hardware prefetcher.
    /// </summary>
    /// <param name="x">The operand.</param>
    /// <param name="width">Panel width (rows of a micro-tile for op(A), columns for op(B)).</param>
    /// <param name="firstPanel">First panel to pack.</param>
    /// <param name="panels">Panels to pack.</param>
    /// <param name="p0">First depth index.</param>
    /// <param name="kc">Depth of the block.</param>
    /// <param name="dst">Destination, <c>[panels][kc][width]</c>.</param>
    /// <param name="zeros">At least <paramref name="kc"/> zeros, read in place of rows past the operand.</param>
    public static void Pack(in PanelSource x, int width, int firstPanel, int panels, int p0, int kc, float* dst,
                            float* zeros)
    {
        long panelSize = (long)kc * width;
        int w0 = firstPanel * width;
        if (!x.AlongWidth)
        {
            for (int j = 0; j < panels; j++)
            {
                int start = w0 + j * width;
                PackAlongDepth(x.Data + start * x.Stride + p0, x.Stride, Math.Min(width, x.Width - start), width, kc,
                               dst + j * panelSize, zeros);
            }
            return;
        }
        int rowLength = Math.Min(panels * width, x.Width - w0);
        float* src = x.Data + p0 * x.Stride + w0;
        for (int p = 0; p < kc; p++, src += x.Stride)
        {
            for (int j = 0; j < panels; j++)
            {
                CopyPadded(src + j * width, Math.Clamp(rowLength - j * width, 0, width), width, dst + j * panelSize + p * width);
            }
        }
    }

    /// <summary>Copies <paramref name="valid"/> floats and zero-fills the rest of <paramref name="width"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyPadded(float* src, int valid, int width, float* dst)
    {
        int r = 0;
        for (; r + Vector256<float>.Count <= valid; r += Vector256<float>.Count)
        {
            Vector256.Store(Vector256.Load(src + r), dst + r);
        }
        if (r + Vector128<float>.Count <= valid)
        {
            Vector128.Store(Vector128.Load(src + r), dst + r);
            r += Vector128<float>.Count;
        }
        for (; r < valid; r++)
        {
            dst[r] = src[r];
        }
        for (; r < width; r++)
        {
            dst[r] = 0f;
        }
    }

    /// <summary>
    /// Source rows are contiguous along the depth: a transpose into the panel, 8 rows at a time (rows past
    /// <paramref name="valid"/> read from <paramref name="zeros"/>), by 8 x 8 blocks in AVX registers where possible.
    /// </summary>
    private static void PackAlongDepth(float* src, nint stride, int valid, int width, int kc, float* dst, float* zeros)
    {
        float** rows = stackalloc float*[Block];
        for (int r0 = 0; r0 < width; r0 += Block)
        {
            int count = Math.Min(Block, width - r0);
            for (int i = 0; i < count; i++)
            {
                rows[i] = r0 + i < valid ? src + (r0 + i) * stride : zeros;
            }
            int p = 0;
            if (Avx.IsSupported && count == Block)
            {
                for (; p + Block <= kc; p += Block)
                {
                    Transpose8x8(rows, p, dst + p * width + r0, width);
                }
            }
            for (; p < kc; p++)
            {
                for (int i = 0; i < count; i++)
                {
                    dst[p * width + r0 + i] = rows[i][p];
                }
            }
        }
    }

    /// <summary>Writes the transpose of the 8 x 8 block <c>rows[i][p..p+8)</c> to <paramref name="dst"/>.</summary>
    private static void Transpose8x8(float** rows, int p, float* dst, nint dstStride)
    {
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        var t0 = Avx.UnpackLow(Avx.LoadVector256(rows[0] + p), Avx.LoadVector256(rows[1] + p));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(rows[0] + p), Avx.LoadVector256(rows[1] + p));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(rows[2] + p), Avx.LoadVector256(rows[3] + p));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(rows[2] + p), Avx.LoadVector256(rows[3] + p));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(rows[4] + p), Avx.LoadVector256(rows[5] + p));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(rows[4] + p), Avx.LoadVector256(rows[5] + p));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(rows[6] + p), Avx.LoadVector256(rows[7] + p));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(rows[6] + p), Avx.LoadVector256(rows[7] + p));
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(s3, s7, 0x31));
    }
}
