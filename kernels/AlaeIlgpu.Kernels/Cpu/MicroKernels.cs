using System.Runtime.CompilerServices;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// The register-tiled inner kernels of the <c>cpu</c> backend, written once over <see cref="ISimdLanes{TSelf}"/>.
/// Both read the "rows" of their right operand as windows <c>buffer + offsets[k]</c>: for <see cref="CpuConv2d"/>
/// shifted windows of a padded input (an implicit im2col, so no copy is ever made), for <see cref="CpuGemm"/> the
/// consecutive rows of a packed panel.
/// </summary>
internal static unsafe class MicroKernels
{
    /// <summary>Output channels per <see cref="OuterTile{T, TVector}"/> (rows of the register tile).</summary>
    public const int OuterRows = 8;

    /// <summary>Vectors per row of the <see cref="OuterTile{T, TVector}"/> register tile.</summary>
    public const int OuterVectors = 3;

    /// <summary>Output channels per <see cref="DotTile{T, TVector}"/>.</summary>
    public const int DotRows = 4;

    /// <summary>Reduction windows (im2col rows) per <see cref="DotTile{T, TVector}"/>.</summary>
    public const int DotColumns = 6;

    /// <summary>
    /// <c>c[r, 0..3L) (+)= sum_k packed[k, r] * window_k[0..3L)</c> for r &lt; 8, where L is the lane count and
    /// <c>window_k = windows + offsets[k]</c>: 8 x 3 accumulators, 3 loads and 8 broadcasts per step.
    /// </summary>
    /// <param name="packed">Weights <c>[depth][8]</c>.</param>
    /// <param name="windows">Start of the padded input plus the tile's column.</param>
    /// <param name="offsets">Window offset per reduction index, <c>[depth]</c>.</param>
    /// <param name="depth">Reduction length.</param>
    /// <param name="c">Output tile start; rows <paramref name="ldc"/> apart.</param>
    /// <param name="ldc">Row pitch of <paramref name="c"/>.</param>
    /// <param name="accumulate">Add to the tile's values instead of overwriting them.</param>
    /// <remarks>Without a wide register file it runs as two <see cref="OuterHalfTile{T, TVector}"/> of 4 x 3 (same sums, same order).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OuterTile<T, TVector>(float* packed, float* windows, int* offsets, int depth, float* c, int ldc,
                                    bool accumulate = false)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        if (!T.HasWideRegisterFile)
        {
            OuterHalfTile<T, TVector>(packed, windows, offsets, depth, c, ldc, accumulate);
            OuterHalfTile<T, TVector>(packed + OuterRows / 2, windows, offsets, depth, c + OuterRows / 2 * ldc, ldc, accumulate);
            return;
        }

        int n = T.Count;
        StartRow<T, TVector>(c, accumulate, out TVector c00, out TVector c01, out TVector c02);
        StartRow<T, TVector>(c + ldc, accumulate, out TVector c10, out TVector c11, out TVector c12);
        StartRow<T, TVector>(c + 2 * ldc, accumulate, out TVector c20, out TVector c21, out TVector c22);
        StartRow<T, TVector>(c + 3 * ldc, accumulate, out TVector c30, out TVector c31, out TVector c32);
        StartRow<T, TVector>(c + 4 * ldc, accumulate, out TVector c40, out TVector c41, out TVector c42);
        StartRow<T, TVector>(c + 5 * ldc, accumulate, out TVector c50, out TVector c51, out TVector c52);
        StartRow<T, TVector>(c + 6 * ldc, accumulate, out TVector c60, out TVector c61, out TVector c62);
        StartRow<T, TVector>(c + 7 * ldc, accumulate, out TVector c70, out TVector c71, out TVector c72);
        float* a = packed;
        for (int* offset = offsets, end = offsets + depth; offset < end; offset++, a += OuterRows)
        {
            float* row = windows + *offset;
            TVector b0 = T.Load(row), b1 = T.Load(row + n), b2 = T.Load(row + 2 * n);
            TVector s = T.Broadcast(a[0]);
            c00 = T.MultiplyAdd(s, b0, c00); c01 = T.MultiplyAdd(s, b1, c01); c02 = T.MultiplyAdd(s, b2, c02);
            s = T.Broadcast(a[1]);
            c10 = T.MultiplyAdd(s, b0, c10); c11 = T.MultiplyAdd(s, b1, c11); c12 = T.MultiplyAdd(s, b2, c12);
            s = T.Broadcast(a[2]);
            c20 = T.MultiplyAdd(s, b0, c20); c21 = T.MultiplyAdd(s, b1, c21); c22 = T.MultiplyAdd(s, b2, c22);
            s = T.Broadcast(a[3]);
            c30 = T.MultiplyAdd(s, b0, c30); c31 = T.MultiplyAdd(s, b1, c31); c32 = T.MultiplyAdd(s, b2, c32);
            s = T.Broadcast(a[4]);
            c40 = T.MultiplyAdd(s, b0, c40); c41 = T.MultiplyAdd(s, b1, c41); c42 = T.MultiplyAdd(s, b2, c42);
            s = T.Broadcast(a[5]);
            c50 = T.MultiplyAdd(s, b0, c50); c51 = T.MultiplyAdd(s, b1, c51); c52 = T.MultiplyAdd(s, b2, c52);
            s = T.Broadcast(a[6]);
            c60 = T.MultiplyAdd(s, b0, c60); c61 = T.MultiplyAdd(s, b1, c61); c62 = T.MultiplyAdd(s, b2, c62);
            s = T.Broadcast(a[7]);
            c70 = T.MultiplyAdd(s, b0, c70); c71 = T.MultiplyAdd(s, b1, c71); c72 = T.MultiplyAdd(s, b2, c72);
        }

        StoreRow<T, TVector>(c, c00, c01, c02);
        StoreRow<T, TVector>(c + ldc, c10, c11, c12);
        StoreRow<T, TVector>(c + 2 * ldc, c20, c21, c22);
        StoreRow<T, TVector>(c + 3 * ldc, c30, c31, c32);
        StoreRow<T, TVector>(c + 4 * ldc, c40, c41, c42);
        StoreRow<T, TVector>(c + 5 * ldc, c50, c51, c52);
        StoreRow<T, TVector>(c + 6 * ldc, c60, c61, c62);
        StoreRow<T, TVector>(c + 7 * ldc, c70, c71, c72);
    }

    /// <summary>
    /// <c>c[r, j] += sum_l a[r, l] * window_j[l]</c> for r &lt; 4, j &lt; 6, l &lt; <paramref name="length"/> (a multiple
    /// of the lane count), where <c>window_j = windows + offsets[j]</c>: 4 x 6 accumulators, 10 loads per step.
    /// </summary>
    /// <param name="a">Four rows <paramref name="lda"/> apart.</param>
    /// <param name="lda">Row pitch of <paramref name="a"/>.</param>
    /// <param name="windows">Start of the padded input.</param>
    /// <param name="offsets">Six window offsets.</param>
    /// <param name="length">Reduction length, a multiple of the lane count.</param>
    /// <param name="c">Accumulator tile; rows <paramref name="ldc"/> apart.</param>
    /// <param name="ldc">Row pitch of <paramref name="c"/>.</param>
    /// <remarks>Without a wide register file it runs as two <see cref="DotHalfTile{T, TVector}"/> of 4 x 3 (same sums, same order).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTile<T, TVector>(float* a, int lda, float* windows, int* offsets, int length, float* c, int ldc)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        if (!T.HasWideRegisterFile)
        {
            DotHalfTile<T, TVector>(a, lda, windows, offsets, length, c, ldc);
            DotHalfTile<T, TVector>(a, lda, windows, offsets + DotColumns / 2, length, c + DotColumns / 2, ldc);
            return;
        }

        float* w0 = windows + offsets[0], w1 = windows + offsets[1], w2 = windows + offsets[2];
        float* w3 = windows + offsets[3], w4 = windows + offsets[4], w5 = windows + offsets[5];
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        TVector c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default;
        TVector c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        TVector c20 = default, c21 = default, c22 = default, c23 = default, c24 = default, c25 = default;
        TVector c30 = default, c31 = default, c32 = default, c33 = default, c34 = default, c35 = default;
        for (int l = 0; l < length; l += T.Count)
        {
            TVector b0 = T.Load(w0 + l), b1 = T.Load(w1 + l), b2 = T.Load(w2 + l);
            TVector b3 = T.Load(w3 + l), b4 = T.Load(w4 + l), b5 = T.Load(w5 + l);
            TVector s = T.Load(a0 + l);
            c00 = T.MultiplyAdd(s, b0, c00); c01 = T.MultiplyAdd(s, b1, c01); c02 = T.MultiplyAdd(s, b2, c02);
            c03 = T.MultiplyAdd(s, b3, c03); c04 = T.MultiplyAdd(s, b4, c04); c05 = T.MultiplyAdd(s, b5, c05);
            s = T.Load(a1 + l);
            c10 = T.MultiplyAdd(s, b0, c10); c11 = T.MultiplyAdd(s, b1, c11); c12 = T.MultiplyAdd(s, b2, c12);
            c13 = T.MultiplyAdd(s, b3, c13); c14 = T.MultiplyAdd(s, b4, c14); c15 = T.MultiplyAdd(s, b5, c15);
            s = T.Load(a2 + l);
            c20 = T.MultiplyAdd(s, b0, c20); c21 = T.MultiplyAdd(s, b1, c21); c22 = T.MultiplyAdd(s, b2, c22);
            c23 = T.MultiplyAdd(s, b3, c23); c24 = T.MultiplyAdd(s, b4, c24); c25 = T.MultiplyAdd(s, b5, c25);
            s = T.Load(a3 + l);
            c30 = T.MultiplyAdd(s, b0, c30); c31 = T.MultiplyAdd(s, b1, c31); c32 = T.MultiplyAdd(s, b2, c32);
            c33 = T.MultiplyAdd(s, b3, c33); c34 = T.MultiplyAdd(s, b4, c34); c35 = T.MultiplyAdd(s, b5, c35);
        }

        AddRow<T, TVector>(c, c00, c01, c02, c03, c04, c05);
        AddRow<T, TVector>(c + ldc, c10, c11, c12, c13, c14, c15);
        AddRow<T, TVector>(c + 2 * ldc, c20, c21, c22, c23, c24, c25);
        AddRow<T, TVector>(c + 3 * ldc, c30, c31, c32, c33, c34, c35);
    }

    /// <summary>
    /// Rows 0..3 of an <see cref="OuterTile{T, TVector}"/> whose packed weights start at <paramref name="packed"/> (still
    /// <see cref="OuterRows"/> apart per reduction step): 4 x 3 accumulators, 3 loads and 4 broadcasts per step, 16
    /// registers in all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OuterHalfTile<T, TVector>(float* packed, float* windows, int* offsets, int depth, float* c, int ldc,
                                         bool accumulate)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        int n = T.Count;
        StartRow<T, TVector>(c, accumulate, out TVector c00, out TVector c01, out TVector c02);
        StartRow<T, TVector>(c + ldc, accumulate, out TVector c10, out TVector c11, out TVector c12);
        StartRow<T, TVector>(c + 2 * ldc, accumulate, out TVector c20, out TVector c21, out TVector c22);
        StartRow<T, TVector>(c + 3 * ldc, accumulate, out TVector c30, out TVector c31, out TVector c32);
        float* a = packed;
        for (int* offset = offsets, end = offsets + depth; offset < end; offset++, a += OuterRows)
        {
            float* row = windows + *offset;
            TVector b0 = T.Load(row), b1 = T.Load(row + n), b2 = T.Load(row + 2 * n);
            TVector s = T.Broadcast(a[0]);
            c00 = T.MultiplyAdd(s, b0, c00); c01 = T.MultiplyAdd(s, b1, c01); c02 = T.MultiplyAdd(s, b2, c02);
            s = T.Broadcast(a[1]);
            c10 = T.MultiplyAdd(s, b0, c10); c11 = T.MultiplyAdd(s, b1, c11); c12 = T.MultiplyAdd(s, b2, c12);
            s = T.Broadcast(a[2]);
            c20 = T.MultiplyAdd(s, b0, c20); c21 = T.MultiplyAdd(s, b1, c21); c22 = T.MultiplyAdd(s, b2, c22);
            s = T.Broadcast(a[3]);
            c30 = T.MultiplyAdd(s, b0, c30); c31 = T.MultiplyAdd(s, b1, c31); c32 = T.MultiplyAdd(s, b2, c32);
        }

        StoreRow<T, TVector>(c, c00, c01, c02);
        StoreRow<T, TVector>(c + ldc, c10, c11, c12);
        StoreRow<T, TVector>(c + 2 * ldc, c20, c21, c22);
        StoreRow<T, TVector>(c + 3 * ldc, c30, c31, c32);
    }

    /// <summary>
    /// Columns 0..2 of a <see cref="DotTile{T, TVector}"/> at <paramref name="offsets"/>: 4 x 3 accumulators, 7 loads per step,
    /// 16 registers in all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotHalfTile<T, TVector>(float* a, int lda, float* windows, int* offsets, int length, float* c, int ldc)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        float* w0 = windows + offsets[0], w1 = windows + offsets[1], w2 = windows + offsets[2];
        float* a0 = a, a1 = a + lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        TVector c00 = default, c01 = default, c02 = default, c10 = default, c11 = default, c12 = default;
        TVector c20 = default, c21 = default, c22 = default, c30 = default, c31 = default, c32 = default;
        for (int l = 0; l < length; l += T.Count)
        {
            TVector b0 = T.Load(w0 + l), b1 = T.Load(w1 + l), b2 = T.Load(w2 + l);
            TVector s = T.Load(a0 + l);
            c00 = T.MultiplyAdd(s, b0, c00); c01 = T.MultiplyAdd(s, b1, c01); c02 = T.MultiplyAdd(s, b2, c02);
            s = T.Load(a1 + l);
            c10 = T.MultiplyAdd(s, b0, c10); c11 = T.MultiplyAdd(s, b1, c11); c12 = T.MultiplyAdd(s, b2, c12);
            s = T.Load(a2 + l);
            c20 = T.MultiplyAdd(s, b0, c20); c21 = T.MultiplyAdd(s, b1, c21); c22 = T.MultiplyAdd(s, b2, c22);
            s = T.Load(a3 + l);
            c30 = T.MultiplyAdd(s, b0, c30); c31 = T.MultiplyAdd(s, b1, c31); c32 = T.MultiplyAdd(s, b2, c32);
        }

        AddRow<T, TVector>(c, c00, c01, c02);
        AddRow<T, TVector>(c + ldc, c10, c11, c12);
        AddRow<T, TVector>(c + 2 * ldc, c20, c21, c22);
        AddRow<T, TVector>(c + 3 * ldc, c30, c31, c32);
    }

    /// <summary>Three vectors of a tile row: loaded from <paramref name="c"/> when accumulating, else zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StartRow<T, TVector>(float* c, bool accumulate, out TVector v0, out TVector v1, out TVector v2) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        if (accumulate)
        {
            v0 = T.Load(c);
            v1 = T.Load(c + T.Count);
            v2 = T.Load(c + 2 * T.Count);
        }
        else
        {
            v0 = v1 = v2 = default;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T, TVector>(float* c, TVector v0, TVector v1, TVector v2) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        T.Store(v0, c);
        T.Store(v1, c + T.Count);
        T.Store(v2, c + 2 * T.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T, TVector>(float* c, TVector v0, TVector v1, TVector v2, TVector v3, TVector v4, TVector v5) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        AddRow<T, TVector>(c, v0, v1, v2);
        AddRow<T, TVector>(c + 3, v3, v4, v5);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T, TVector>(float* c, TVector v0, TVector v1, TVector v2) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        c[0] += T.Sum(v0);
        c[1] += T.Sum(v1);
        c[2] += T.Sum(v2);
    }
}
