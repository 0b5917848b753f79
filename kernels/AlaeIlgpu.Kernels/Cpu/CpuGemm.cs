using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Single-precision matrix multiply for the <c>cpu</c> backend: <c>C = op(A) op(B)</c> or <c>C += op(A) op(B)</c>,
/// row-major, with optional transposes.
/// </summary>
/// <remarks>
/// Both operands are copied into packed panels (zero-padded, transposes resolved there), so that one
/// register-blocked micro-kernel computes every <c>Mr x Nr</c> tile of C: with <see cref="Vector512"/> when the CPU
/// accelerates it (12 x 32), otherwise with <see cref="Vector{T}"/> (6 x 2W). The depth is cut into blocks of at
/// most <see cref="DepthBlock"/>. op(A) is packed once, up front; C is cut into tiles that run as parallel tasks once
/// the problem is large enough, and each task packs its slice of op(B) per depth block just before using it, so the
/// packed slice is still in L2. Tiles span up to 384 rows, so that with the MLP's batch of 128 every element of B
/// is packed exactly once. Scratch buffers are kept per thread and reused.
/// </remarks>
public static unsafe class CpuGemm
{
    /// <summary>Depth of one packed block: a B micro-panel (<c>DepthBlock x Nr</c>) stays in the L1 cache.</summary>
    private const int DepthBlock = 256;

    /// <summary>
    /// Most rows of A in one task tile: the tile's A block (<c>384 x DepthBlock</c>, 384 KiB) and B slice share the L2
    /// cache. Every row tile packs its own copy of the B slice, so fewer, taller tiles stream B fewer times.
    /// </summary>
    private const int MaxRowsPerTile = 384;

    /// <summary>Most micro-panels of B in one task tile: the packed B slice (<c>DepthBlock x Nr * 8</c>) stays in L2.</summary>
    private const int MaxColumnPanelsPerTile = 8;

    /// <summary>Tasks per depth block when op(A) is packed in parallel.</summary>
    private const int PackChunksPerBlock = 2;

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
            var left = new Operand(pa, m, transA ? m : k, alongWidth: transA);    // op(A) [m, k]
            var right = new Operand(pb, n, transB ? k : n, alongWidth: !transB);  // op(B)^T [n, k]
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
    /// A dense matrix seen as <c>[width, depth]</c>: element (w, p) lives at <c>Data[p * Stride + w]</c> when it
    /// is contiguous along the width, else at <c>Data[w * Stride + p]</c>.
    /// </summary>
    private readonly struct Operand(float* data, int width, nint stride, bool alongWidth)
    {
        public readonly float* Data = data;
        public readonly int Width = width;
        public readonly nint Stride = stride;
        public readonly bool AlongWidth = alongWidth;
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
            int maxRowPanelsPerTile = MaxRowsPerTile / Mr;
            RowTiles = (RowPanels + maxRowPanelsPerTile - 1) / maxRowPanelsPerTile;
            int minColumnTiles = (ColumnPanels + MaxColumnPanelsPerTile - 1) / MaxColumnPanelsPerTile;
            int wantedColumnTiles = parallel ? (TasksPerThread * CpuWorkers.Threads + RowTiles - 1) / RowTiles : 1;
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
        bool parallel = (long)m * right.Width * k >= ParallelMinMultiplyAdds && CpuWorkers.Threads > 1;
        int rowPanels = (m + Mr - 1) / Mr;
        fixed (float* buffer = Scratch(ref t_packedA, (long)rowPanels * Mr * k + BufferAlignment))
        {
            var plan = new Plan(right, Align(buffer), c, m, k, accumulate, parallel);
            int chunks = parallel ? Math.Min(rowPanels, PackChunksPerBlock) : 1;
            if (parallel)
            {
                CpuWorkers.Run(plan.DepthBlocks * chunks, t => PackA(left, plan, t / chunks, Split(rowPanels, chunks, t % chunks)));
                CpuWorkers.Run(plan.Tiles, t => ComputeTile(plan, t));
            }
            else
            {
                for (int block = 0; block < plan.DepthBlocks; block++)
                {
                    PackA(left, plan, block, (0, rowPanels));
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

    /// <summary>Packs row panels <c>[First, First + Count)</c> of op(A) for depth block <paramref name="block"/>.</summary>
    private static void PackA(Operand left, in Plan plan, int block, (int First, int Count) panels)
    {
        long paddedM = (long)plan.RowPanels * Mr;
        var (p0, kc) = plan.Depth(block);
        PackPanels(left, Mr, panels.First, panels.Count, p0, kc, plan.PackedA + p0 * paddedM + (long)panels.First * kc * Mr);
    }

    /// <summary>
    /// Packs <paramref name="panels"/> consecutive panels of <paramref name="width"/> rows of the operand, starting at
    /// panel <paramref name="firstPanel"/>, depth <c>[p0, p0 + kc)</c>, into <paramref name="dst"/> as
    /// <c>[panels][kc][width]</c>; rows past the operand are zero. An operand stored along the width is read one source
    /// row at a time across all the panels: its rows lie a whole matrix row apart, and reading them panel by panel
    /// (128 bytes per 4 KiB row, say) defeats the hardware prefetcher and ran 5x slower than the transposing case.
    /// </summary>
    private static void PackPanels(Operand x, int width, int firstPanel, int panels, int p0, int kc, float* dst)
    {
        long panelSize = (long)kc * width;
        int w0 = firstPanel * width;
        if (!x.AlongWidth)
        {
            for (int j = 0; j < panels; j++)
            {
                int valid = Math.Min(width, x.Width - w0 - j * width);
                PackAlongDepth(x.Data + (w0 + j * width) * x.Stride + p0, x.Stride, valid, width, kc, dst + j * panelSize);
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
    /// Source rows are contiguous along the depth: a transpose into the panel, by 8 x 8 blocks in AVX registers where
    /// possible, element by element for the rest. Rows past <paramref name="valid"/> are zero.
    /// </summary>
    private static void PackAlongDepth(float* src, nint stride, int valid, int width, int kc, float* dst)
    {
        int r0 = 0, fastDepth = 0;
        if (Avx.IsSupported)
        {
            fastDepth = kc & ~7;
            for (; r0 + 8 <= valid; r0 += 8)
            {
                for (int p = 0; p < fastDepth; p += 8)
                {
                    Transpose8x8(src + r0 * stride + p, stride, dst + p * width + r0, width);
                }
            }
        }
        for (int r = 0; r < width; r++)
        {
            float* s = src + r * stride;
            float* d = dst + r;
            int p = r < r0 ? fastDepth : 0;
            for (; p < kc; p++)
            {
                d[p * width] = r < valid ? s[p] : 0f;
            }
        }
    }

    /// <summary>Writes the transpose of the 8 x 8 block at <paramref name="src"/> to <paramref name="dst"/>.</summary>
    private static void Transpose8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        var t0 = Avx.UnpackLow(Avx.LoadVector256(src), Avx.LoadVector256(src + srcStride));
        var t1 = Avx.UnpackHigh(Avx.LoadVector256(src), Avx.LoadVector256(src + srcStride));
        var t2 = Avx.UnpackLow(Avx.LoadVector256(src + 2 * srcStride), Avx.LoadVector256(src + 3 * srcStride));
        var t3 = Avx.UnpackHigh(Avx.LoadVector256(src + 2 * srcStride), Avx.LoadVector256(src + 3 * srcStride));
        var t4 = Avx.UnpackLow(Avx.LoadVector256(src + 4 * srcStride), Avx.LoadVector256(src + 5 * srcStride));
        var t5 = Avx.UnpackHigh(Avx.LoadVector256(src + 4 * srcStride), Avx.LoadVector256(src + 5 * srcStride));
        var t6 = Avx.UnpackLow(Avx.LoadVector256(src + 6 * srcStride), Avx.LoadVector256(src + 7 * srcStride));
        var t7 = Avx.UnpackHigh(Avx.LoadVector256(src + 6 * srcStride), Avx.LoadVector256(src + 7 * srcStride));
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
                PackPanels(plan.Right, Nr, colPanel0, colPanelCount, p0, kc, packedB);
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
