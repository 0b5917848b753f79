using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Single-precision matrix multiply for the <c>cpu</c> backend: <c>C = op(A) op(B)</c> or <c>C += op(A) op(B)</c>,
/// row-major, with optional transposes.
/// </summary>
/// <remarks>
/// Both operands are first copied into packed panels (zero-padded, transposes resolved there), so that one
/// register-blocked micro-kernel computes every <c>Mr x Nr</c> tile of C: with <see cref="Vector512"/> when the CPU
/// accelerates it, otherwise with <see cref="Vector{T}"/>. The depth is cut into cache-sized blocks of
/// <see cref="DepthBlock"/>; C is cut into tiles that run in parallel once the problem is large enough.
/// </remarks>
public static unsafe class CpuGemm
{
    /// <summary>Depth of one packed block: a B micro-panel (<c>DepthBlock x Nr</c>) stays in the L1 cache.</summary>
    private const int DepthBlock = 256;

    /// <summary>
    /// Most micro-panels of A in one task tile: the tile's A block (<c>Mr * 32 x DepthBlock</c>, 384 KiB with
    /// 512-bit vectors) and B slice share the L2 cache.
    /// </summary>
    private const int MaxRowPanelsPerTile = 32;

    /// <summary>Most micro-panels of B in one task tile: the packed B slice (<c>DepthBlock x Nr * 8</c>) stays in L2.</summary>
    private const int MaxColumnPanelsPerTile = 8;

    /// <summary>Tasks per worker thread: enough to even out tiles of different sizes.</summary>
    private const int TasksPerThread = 4;

    /// <summary>Below this many multiply-adds the work runs on the calling thread: threading would cost more.</summary>
    private const long ParallelMinMultiplyAdds = 1L << 21;

    /// <summary>Alignment of the packed buffers, in floats (64 bytes, one cache line).</summary>
    private const int BufferAlignment = 16;

    private static readonly bool Wide = Vector512.IsHardwareAccelerated;

    /// <summary>Rows of C per micro-kernel call.</summary>
    private static readonly int Mr = Wide ? Wide512.Rows : Narrow.Rows;

    /// <summary>Columns of C per micro-kernel call.</summary>
    private static readonly int Nr = Wide ? Wide512.Columns : Narrow.Columns;

    /// <summary>The calling thread's packed op(A).</summary>
    [ThreadStatic]
    private static float[]? t_packedA;

    /// <summary>A worker thread's packed slice of op(B) for the tile it computes.</summary>
    [ThreadStatic]
    private static float[]? t_packedB;

    /// <summary>
    /// Row-major <c>C = op(A) op(B)</c>, or <c>C += op(A) op(B)</c> when <paramref name="accumulate"/> is set.
    /// </summary>
    /// <param name="a">op(A) is <c>[m, k]</c>: A is stored <c>[m, k]</c>, or <c>[k, m]</c> when <paramref name="transA"/>.</param>
    /// <param name="b">op(B) is <c>[k, n]</c>: B is stored <c>[k, n]</c>, or <c>[n, k]</c> when <paramref name="transB"/>.</param>
    /// <param name="c">C, stored <c>[m, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="transA">A is stored transposed.</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <exception cref="ArgumentException">A dimension is negative or a span is shorter than its shape.</exception>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
                                int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        ValidateShapes(a.Length, b.Length, c.Length, m, n, k, transA, transB);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0)
        {
            if (!accumulate)
            {
                c[..(m * n)].Clear();
            }
            return;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var left = new Operand(pa, m, transA ? 1 : k, transA ? m : 1);   // op(A) [m, k]
            var right = new Operand(pb, n, transB ? k : 1, transB ? 1 : n);  // op(B)^T [n, k]
            Run(left, right, pc, k, accumulate);
        }
    }

    /// <summary>
    /// Checks GEMM shapes against buffer lengths; shared by <see cref="CpuGemm"/> and the GPU launcher.
    /// </summary>
    internal static void ValidateShapes(long aLength, long bLength, long cLength,
                                        int m, int n, int k, bool transA, bool transB)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"GEMM dimensions must be non-negative, got m={m}, n={n}, k={k}.");
        }
        string shapes = $"GEMM m={m}, n={n}, k={k}: A {(transA ? $"[{k}, {m}]" : $"[{m}, {k}]")}, " +
                        $"B {(transB ? $"[{n}, {k}]" : $"[{k}, {n}]")}, C [{m}, {n}]";
        RequireLength(aLength, (long)m * k, "A", shapes, "a");
        RequireLength(bLength, (long)k * n, "B", shapes, "b");
        RequireLength(cLength, (long)m * n, "C", shapes, "c");
    }

    private static void RequireLength(long actual, long needed, string name, string shapes, string parameter)
    {
        if (actual < needed)
        {
            throw new ArgumentException(
                $"{shapes}: {name} needs {needed} elements but has {actual}.", parameter);
        }
    }

    /// <summary>
    /// A matrix seen as <c>[width, depth]</c>: element (w, p) lives at <c>Data[w * WidthStride + p * DepthStride]</c>.
    /// </summary>
    private readonly struct Operand(float* data, int width, nint widthStride, nint depthStride)
    {
        public readonly float* Data = data;
        public readonly int Width = width;
        public readonly nint WidthStride = widthStride;
        public readonly nint DepthStride = depthStride;
    }

    /// <summary>
    /// How the work is cut: depth blocks of at most <see cref="DepthBlock"/>, and C tiles (whole micro-panels) that
    /// become parallel tasks. Row tiles are large so that B, packed inside each task, is packed few times.
    /// </summary>
    private readonly struct Plan
    {
        public readonly Operand Right;
        public readonly float* PackedA;   // per depth block [p0, p0 + kc): at p0 * RowPanels * Mr, [RowPanels][kc][Mr]
        public readonly float* C;         // [m, n]
        public readonly int M, N, K, RowPanels, ColumnPanels, RowTiles, ColumnTiles, DepthBlocks;
        public readonly bool Accumulate;

        public Plan(Operand right, float* packedA, float* c, int m, int k, bool accumulate, bool parallel)
        {
            Right = right;
            PackedA = packedA;
            C = c;
            M = m;
            N = right.Width;
            K = k;
            Accumulate = accumulate;
            RowPanels = (m + Mr - 1) / Mr;
            ColumnPanels = (N + Nr - 1) / Nr;
            DepthBlocks = (k + DepthBlock - 1) / DepthBlock;
            RowTiles = (RowPanels + MaxRowPanelsPerTile - 1) / MaxRowPanelsPerTile;
            int minColumnTiles = (ColumnPanels + MaxColumnPanelsPerTile - 1) / MaxColumnPanelsPerTile;
            int wantedColumnTiles = parallel ? (TasksPerThread * Environment.ProcessorCount + RowTiles - 1) / RowTiles : 1;
            ColumnTiles = Math.Min(ColumnPanels, Math.Max(minColumnTiles, wantedColumnTiles));
        }

        public int Tiles => RowTiles * ColumnTiles;

        /// <summary>Depth range of block <paramref name="block"/>; blocks differ in size by at most one.</summary>
        public (int Start, int Length) Depth(int block) =>
            Split(K, DepthBlocks, block);

        /// <summary>Scratch floats a task needs for its packed B slice.</summary>
        public int SliceLength =>
            ((K + DepthBlocks - 1) / DepthBlocks) * ((ColumnPanels + ColumnTiles - 1) / ColumnTiles) * Nr;
    }

    /// <summary>Part <paramref name="part"/> of <paramref name="count"/> items cut into <paramref name="parts"/> near-equal parts.</summary>
    private static (int Start, int Length) Split(int count, int parts, int part)
    {
        int start = (int)((long)count * part / parts);
        return (start, (int)((long)count * (part + 1) / parts) - start);
    }

    private static void Run(Operand left, Operand right, float* c, int k, bool accumulate)
    {
        int m = left.Width;
        bool parallel = (long)m * right.Width * k >= ParallelMinMultiplyAdds && Environment.ProcessorCount > 1;
        int rowPanels = (m + Mr - 1) / Mr;
        fixed (float* buffer = Scratch(ref t_packedA, (long)rowPanels * Mr * k + BufferAlignment))
        {
            var plan = new Plan(right, Align(buffer), c, m, k, accumulate, parallel);
            if (parallel)
            {
                Parallel.For(0, rowPanels, q => PackA(left, plan, q));
                Parallel.For(0, plan.Tiles, t => ComputeTile(plan, t));
            }
            else
            {
                for (int q = 0; q < rowPanels; q++)
                {
                    PackA(left, plan, q);
                }
                for (int t = 0; t < plan.Tiles; t++)
                {
                    ComputeTile(plan, t);
                }
            }
        }
    }

    /// <summary>A thread's scratch array, grown on demand and pinned so that pointers into it stay valid.</summary>
    private static float[] Scratch(ref float[]? cache, long length)
    {
        if (cache is null || cache.Length < length)
        {
            cache = GC.AllocateUninitializedArray<float>(checked((int)length), pinned: true);
        }
        return cache;
    }

    private static float* Align(float* p) =>
        (float*)(((nint)p + BufferAlignment * sizeof(float) - 1) & ~(nint)(BufferAlignment * sizeof(float) - 1));

    /// <summary>Packs row panel <paramref name="panel"/> of op(A) for every depth block.</summary>
    private static void PackA(Operand left, in Plan plan, int panel)
    {
        long paddedM = (long)plan.RowPanels * Mr;
        for (int block = 0; block < plan.DepthBlocks; block++)
        {
            var (p0, kc) = plan.Depth(block);
            PackPanel(left, Mr, panel * Mr, p0, kc, plan.PackedA + p0 * paddedM + (long)panel * kc * Mr);
        }
    }

    /// <summary>
    /// Packs <paramref name="width"/> rows of the operand from row <paramref name="w0"/>, depth
    /// <c>[p0, p0 + kc)</c>, into <paramref name="dst"/> as <c>[kc][width]</c>; rows past the operand are zero.
    /// </summary>
    private static void PackPanel(Operand x, int width, int w0, int p0, int kc, float* dst)
    {
        int valid = Math.Min(width, x.Width - w0);
        float* src = x.Data + w0 * x.WidthStride + p0 * x.DepthStride;
        if (x.WidthStride == 1)
        {
            PackAlongWidth(src, x.DepthStride, valid, width, kc, dst);
        }
        else
        {
            PackAlongDepth(src, x.WidthStride, x.DepthStride, valid, width, kc, dst);
        }
    }

    /// <summary>Source rows are contiguous along the panel width: copy <paramref name="valid"/> floats per depth step.</summary>
    private static void PackAlongWidth(float* src, nint depthStride, int valid, int width, int kc, float* dst)
    {
        for (int p = 0; p < kc; p++, src += depthStride, dst += width)
        {
            int r = 0;
            for (; r + Vector256<float>.Count <= valid; r += Vector256<float>.Count)
            {
                Vector256.Store(Vector256.Load(src + r), dst + r);
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
    }

    /// <summary>General case (source contiguous along depth): a strided transpose into the panel.</summary>
    private static void PackAlongDepth(float* src, nint widthStride, nint depthStride, int valid, int width, int kc,
                                       float* dst)
    {
        for (int r = 0; r < width; r++)
        {
            float* s = src + r * widthStride;
            float* d = dst + r;
            if (r < valid)
            {
                for (int p = 0; p < kc; p++)
                {
                    d[p * width] = s[p * depthStride];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    d[p * width] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// Computes one C tile over all of K: per depth block, packs the tile's slice of B into this thread's scratch
    /// (it then stays in L2), and runs the micro-kernel over every micro-tile.
    /// </summary>
    private static void ComputeTile(in Plan plan, int tile)
    {
        var (rowPanel0, rowPanelCount) = Split(plan.RowPanels, plan.RowTiles, tile / plan.ColumnTiles);
        var (colPanel0, colPanelCount) = Split(plan.ColumnPanels, plan.ColumnTiles, tile % plan.ColumnTiles);
        long paddedM = (long)plan.RowPanels * Mr;
        float* edge = stackalloc float[Mr * Nr];
        fixed (float* slice = Scratch(ref t_packedB, plan.SliceLength + BufferAlignment))
        {
            float* packedB = Align(slice);
            for (int block = 0; block < plan.DepthBlocks; block++)
            {
                var (p0, kc) = plan.Depth(block);
                bool load = plan.Accumulate || block > 0;
                float* blockA = plan.PackedA + p0 * paddedM;
                for (int jp = 0; jp < colPanelCount; jp++)
                {
                    PackPanel(plan.Right, Nr, (colPanel0 + jp) * Nr, p0, kc, packedB + (long)jp * kc * Nr);
                }
                for (int jp = 0; jp < colPanelCount; jp++)
                {
                    float* panelB = packedB + (long)jp * kc * Nr;
                    for (int ip = rowPanel0; ip < rowPanel0 + rowPanelCount; ip++)
                    {
                        MicroTile(plan, blockA + (long)ip * kc * Mr, panelB, ip * Mr, (colPanel0 + jp) * Nr, kc, load,
                                  edge);
                    }
                }
            }
        }
    }

    /// <summary>One <c>Mr x Nr</c> tile of C at (<paramref name="i0"/>, <paramref name="j0"/>); edge tiles go through a scratch tile.</summary>
    private static void MicroTile(in Plan plan, float* panelA, float* panelB, int i0, int j0, int kc, bool load,
                                  float* edge)
    {
        int rows = Math.Min(Mr, plan.M - i0), cols = Math.Min(Nr, plan.N - j0);
        float* c = plan.C + (long)i0 * plan.N + j0;
        if (rows == Mr && cols == Nr)
        {
            MicroKernel(panelA, panelB, c, plan.N, kc, load);
            return;
        }
        if (load)
        {
            CopyTile(c, plan.N, edge, Nr, rows, cols);
        }
        MicroKernel(panelA, panelB, edge, Nr, kc, load);
        CopyTile(edge, Nr, c, plan.N, rows, cols);
    }

    private static void CopyTile(float* src, nint srcStride, float* dst, nint dstStride, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(src + r * srcStride, cols).CopyTo(new Span<float>(dst + r * dstStride, cols));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel(float* a, float* b, float* c, nint ldc, int kc, bool load)
    {
        if (Wide)
        {
            Wide512.Kernel(a, b, c, ldc, kc, load);
        }
        else
        {
            Narrow.Kernel(a, b, c, ldc, kc, load);
        }
    }

    /// <summary>Micro-kernel on 512-bit vectors: a 12 x 32 tile of C in 24 registers.</summary>
    private static class Wide512
    {
        public const int Rows = 12;
        public const int Columns = 2 * 16;

        /// <summary>One row of the C tile: two 16-float vectors.</summary>
        private struct Row(Vector512<float> lo, Vector512<float> hi)
        {
            public Vector512<float> Lo = lo, Hi = hi;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Row Start(float* c, bool load) =>
                load ? new Row(Vector512.Load(c), Vector512.Load(c + 16)) : default;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Row Fma(Row acc, float a, Vector512<float> b0, Vector512<float> b1)
            {
                var s = Vector512.Create(a);
                return new Row(Vector512.FusedMultiplyAdd(s, b0, acc.Lo), Vector512.FusedMultiplyAdd(s, b1, acc.Hi));
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public readonly void Store(float* c)
            {
                Lo.Store(c);
                Hi.Store(c + 16);
            }
        }

        /// <summary><c>c[12, 32] (+)= a[kc][12]^T b[kc][32]</c>.</summary>
        public static void Kernel(float* a, float* b, float* c, nint ldc, int kc, bool load)
        {
            Row c0 = Row.Start(c, load), c1 = Row.Start(c + ldc, load), c2 = Row.Start(c + 2 * ldc, load);
            Row c3 = Row.Start(c + 3 * ldc, load), c4 = Row.Start(c + 4 * ldc, load), c5 = Row.Start(c + 5 * ldc, load);
            Row c6 = Row.Start(c + 6 * ldc, load), c7 = Row.Start(c + 7 * ldc, load), c8 = Row.Start(c + 8 * ldc, load);
            Row c9 = Row.Start(c + 9 * ldc, load), c10 = Row.Start(c + 10 * ldc, load), c11 = Row.Start(c + 11 * ldc, load);
            for (int p = 0; p < kc; p++, a += Rows, b += Columns)
            {
                var b0 = Vector512.Load(b);
                var b1 = Vector512.Load(b + 16);
                c0 = Row.Fma(c0, a[0], b0, b1);
                c1 = Row.Fma(c1, a[1], b0, b1);
                c2 = Row.Fma(c2, a[2], b0, b1);
                c3 = Row.Fma(c3, a[3], b0, b1);
                c4 = Row.Fma(c4, a[4], b0, b1);
                c5 = Row.Fma(c5, a[5], b0, b1);
                c6 = Row.Fma(c6, a[6], b0, b1);
                c7 = Row.Fma(c7, a[7], b0, b1);
                c8 = Row.Fma(c8, a[8], b0, b1);
                c9 = Row.Fma(c9, a[9], b0, b1);
                c10 = Row.Fma(c10, a[10], b0, b1);
                c11 = Row.Fma(c11, a[11], b0, b1);
            }
            c0.Store(c);
            c1.Store(c + ldc);
            c2.Store(c + 2 * ldc);
            c3.Store(c + 3 * ldc);
            c4.Store(c + 4 * ldc);
            c5.Store(c + 5 * ldc);
            c6.Store(c + 6 * ldc);
            c7.Store(c + 7 * ldc);
            c8.Store(c + 8 * ldc);
            c9.Store(c + 9 * ldc);
            c10.Store(c + 10 * ldc);
            c11.Store(c + 11 * ldc);
        }
    }

    /// <summary>Micro-kernel on <see cref="Vector{T}"/> (256-bit on AVX2, 128-bit on NEON): a 6 x 2W tile of C.</summary>
    private static class Narrow
    {
        public const int Rows = 6;
        public static readonly int Columns = 2 * Vector<float>.Count;

        /// <summary>One row of the C tile: two vectors.</summary>
        private struct Row(Vector<float> lo, Vector<float> hi)
        {
            public Vector<float> Lo = lo, Hi = hi;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Row Start(float* c, bool load) =>
                load ? new Row(Vector.Load(c), Vector.Load(c + Vector<float>.Count)) : default;

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public static Row Fma(Row acc, float a, Vector<float> b0, Vector<float> b1)
            {
                var s = new Vector<float>(a);
                return new Row(Vector.FusedMultiplyAdd(s, b0, acc.Lo), Vector.FusedMultiplyAdd(s, b1, acc.Hi));
            }

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public readonly void Store(float* c)
            {
                Lo.Store(c);
                Hi.Store(c + Vector<float>.Count);
            }
        }

        /// <summary><c>c[6, 2W] (+)= a[kc][6]^T b[kc][2W]</c>.</summary>
        public static void Kernel(float* a, float* b, float* c, nint ldc, int kc, bool load)
        {
            int w = Vector<float>.Count;
            Row c0 = Row.Start(c, load), c1 = Row.Start(c + ldc, load), c2 = Row.Start(c + 2 * ldc, load);
            Row c3 = Row.Start(c + 3 * ldc, load), c4 = Row.Start(c + 4 * ldc, load), c5 = Row.Start(c + 5 * ldc, load);
            for (int p = 0; p < kc; p++, a += Rows, b += 2 * w)
            {
                var b0 = Vector.Load(b);
                var b1 = Vector.Load(b + w);
                c0 = Row.Fma(c0, a[0], b0, b1);
                c1 = Row.Fma(c1, a[1], b0, b1);
                c2 = Row.Fma(c2, a[2], b0, b1);
                c3 = Row.Fma(c3, a[3], b0, b1);
                c4 = Row.Fma(c4, a[4], b0, b1);
                c5 = Row.Fma(c5, a[5], b0, b1);
            }
            c0.Store(c);
            c1.Store(c + ldc);
            c2.Store(c + 2 * ldc);
            c3.Store(c + 3 * ldc);
            c4.Store(c + 4 * ldc);
            c5.Store(c + 5 * ldc);
        }
    }
}
