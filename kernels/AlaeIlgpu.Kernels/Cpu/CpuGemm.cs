using System.Runtime.Intrinsics;
using static AlaeIlgpu.Kernels.Cpu.MicroKernels;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Single-precision matrix multiply for the <c>cpu</c> backend: <c>C = op(A) op(B)</c> or <c>C += op(A) op(B)</c>,
/// row-major, with optional transposes.
/// </summary>
/// <remarks>
/// Both operands are first copied, in parallel and each exactly once, into packed panels (<see cref="PanelPacking"/>:
/// zero-padded, transposes resolved there), so that one register-tiled micro-kernel computes every
/// <c>8 x 3L</c> tile of C for a lane count L: <see cref="MicroKernels.OuterTile{T}"/>, the same kernel as the direct
/// convolution's, over <see cref="Lanes512"/> when the CPU accelerates 512-bit vectors, else over
/// <see cref="LanesVectorT"/> (where it runs as two halves of 4 rows on 16 registers). The depth is cut into blocks of
/// at most <see cref="DepthBlock"/>, so that a B micro-panel stays in L1 while the A micro-panels of a tile stream past
/// it from L2. C is cut into tiles that run as parallel tasks once the problem is large enough. Scratch buffers belong
/// to the calling thread and are reused.
/// </remarks>
public static unsafe class CpuGemm
{
    /// <summary>Depth of one packed block: a B micro-panel (<c>DepthBlock x 3L</c>, 24 KiB with AVX2) stays in L1.</summary>
    private const int DepthBlock = 256;

    /// <summary>Most rows of A in one task tile: the tile's A block (<c>MaxRowsPerTile x DepthBlock</c>) stays in L2.</summary>
    private const int MaxRowsPerTile = 384;

    /// <summary>Tasks per depth block and operand when the operands are packed in parallel.</summary>
    private const int PackChunksPerBlock = 2;

    /// <summary>Tasks per worker thread: enough to even out tiles of different sizes.</summary>
    private const int TasksPerThread = 4;

    /// <summary>Below this many multiply-adds the work runs on the calling thread: threading would cost more.</summary>
    private const long ParallelMinMultiplyAdds = 1L << 21;

    /// <summary>Alignment of the packed buffers, in floats (64 bytes, one cache line).</summary>
    private const int BufferAlignment = 16;

    /// <summary>The calling thread's packed op(A).</summary>
    [ThreadStatic]
    private static float[]? t_packedA;

    /// <summary>The calling thread's packed op(B).</summary>
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
        if (Vector512.IsHardwareAccelerated)
        {
            Multiply<Lanes512>(a, b, c, m, n, k, transA, transB, accumulate);
        }
        else
        {
            Multiply<LanesVectorT>(a, b, c, m, n, k, transA, transB, accumulate);
        }
    }

    /// <summary><see cref="Multiply"/> at the lane width <typeparamref name="T"/>, whatever the machine accelerates.</summary>
    internal static void Multiply<T>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
                                     int m, int n, int k, bool transA, bool transB, bool accumulate)
        where T : struct, ISimdLanes<T>
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
            var left = new PanelSource(pa, m, transA ? m : k, alongWidth: transA);    // op(A) [m, k]
            var right = new PanelSource(pb, n, transB ? k : n, alongWidth: !transB);  // op(B)^T [n, k]
            Run<T>(left, right, pc, k, accumulate);
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
    /// How the work is cut: depth blocks of at most <see cref="DepthBlock"/>, packed operands laid out per block as
    /// <c>[panels][kc][width]</c>, and C tiles (whole micro-panels) that become parallel tasks.
    /// </summary>
    private readonly struct Plan
    {
        public readonly float* PackedA;   // per depth block [p0, p0 + kc): at p0 * RowPanels * Mr, [RowPanels][kc][Mr]
        public readonly float* PackedB;   // per depth block [p0, p0 + kc): at p0 * ColumnPanels * Nr, [ColumnPanels][kc][Nr]
        public readonly float* C;         // [m, n]
        public readonly int M, N, K, Nr, RowPanels, ColumnPanels, RowTiles, ColumnTiles, DepthBlocks;
        public readonly bool Accumulate;

        public Plan(float* packedA, float* packedB, float* c, int m, int n, int k, int nr, bool accumulate, bool parallel)
        {
            PackedA = packedA;
            PackedB = packedB;
            C = c;
            M = m;
            N = n;
            K = k;
            Nr = nr;
            Accumulate = accumulate;
            RowPanels = Panels(m, OuterRows);
            ColumnPanels = Panels(n, nr);
            DepthBlocks = Panels(k, DepthBlock);
            RowTiles = Panels(RowPanels, MaxRowsPerTile / OuterRows);
            int wantedColumnTiles = parallel ? Panels(TasksPerThread * CpuWorkers.Threads, RowTiles) : 1;
            ColumnTiles = Math.Min(ColumnPanels, wantedColumnTiles);
        }

        public int Tiles => RowTiles * ColumnTiles;

        /// <summary>Depth range of block <paramref name="block"/>; blocks differ in size by at most one.</summary>
        public (int Start, int Length) Depth(int block) =>
            Split(K, DepthBlocks, block);
    }

    private static int Panels(int count, int width) => (count + width - 1) / width;

    /// <summary>Part <paramref name="part"/> of <paramref name="count"/> items cut into <paramref name="parts"/> near-equal parts.</summary>
    private static (int Start, int Length) Split(int count, int parts, int part)
    {
        int start = (int)((long)count * part / parts);
        return (start, (int)((long)count * (part + 1) / parts) - start);
    }

    private static void Run<T>(in PanelSource left, in PanelSource right, float* c, int k, bool accumulate)
        where T : struct, ISimdLanes<T>
    {
        int m = left.Width, n = right.Width, nr = OuterVectors * T.Count;
        bool parallel = (long)m * n * k >= ParallelMinMultiplyAdds && CpuWorkers.Threads > 1;
        long lengthA = (long)Panels(m, OuterRows) * OuterRows * k, lengthB = (long)Panels(n, nr) * nr * k;
        fixed (float* bufferA = Scratch(ref t_packedA, lengthA + BufferAlignment))
        fixed (float* bufferB = Scratch(ref t_packedB, lengthB + BufferAlignment))
        {
            var plan = new Plan(Align(bufferA), Align(bufferB), c, m, n, k, nr, accumulate, parallel);
            var (l, r) = (left, right);
            int chunksA = Math.Min(plan.RowPanels, PackChunksPerBlock), chunksB = Math.Min(plan.ColumnPanels, PackChunksPerBlock);
            int packTasks = plan.DepthBlocks * (chunksA + chunksB);
            if (parallel)
            {
                CpuWorkers.Run(packTasks, t => PackPart(l, r, plan, chunksA, chunksB, t));
                CpuWorkers.Run(plan.Tiles, t => ComputeTile<T>(plan, t));
            }
            else
            {
                for (int t = 0; t < packTasks; t++)
                {
                    PackPart(l, r, plan, chunksA, chunksB, t);
                }
                for (int t = 0; t < plan.Tiles; t++)
                {
                    ComputeTile<T>(plan, t);
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

    /// <summary>
    /// Pack task <paramref name="task"/>: per depth block, <paramref name="chunksA"/> parts of op(A)'s row panels, then
    /// <paramref name="chunksB"/> parts of op(B)'s column panels.
    /// </summary>
    private static void PackPart(in PanelSource left, in PanelSource right, in Plan plan, int chunksA, int chunksB, int task)
    {
        int perBlock = chunksA + chunksB;
        int block = task / perBlock, chunk = task % perBlock;
        var (p0, kc) = plan.Depth(block);
        float* zeros = stackalloc float[kc];
        new Span<float>(zeros, kc).Clear();
        if (chunk < chunksA)
        {
            var (first, count) = Split(plan.RowPanels, chunksA, chunk);
            float* dst = plan.PackedA + (long)p0 * plan.RowPanels * OuterRows + (long)first * kc * OuterRows;
            PanelPacking.Pack(left, OuterRows, first, count, p0, kc, dst, zeros);
        }
        else
        {
            var (first, count) = Split(plan.ColumnPanels, chunksB, chunk - chunksA);
            float* dst = plan.PackedB + (long)p0 * plan.ColumnPanels * plan.Nr + (long)first * kc * plan.Nr;
            PanelPacking.Pack(right, plan.Nr, first, count, p0, kc, dst, zeros);
        }
    }

    /// <summary>
    /// Computes one C tile over all of K: per depth block, each B micro-panel of the tile meets every A micro-panel of
    /// the tile, so the B panel is read from L1 and the A block from L2.
    /// </summary>
    private static void ComputeTile<T>(in Plan plan, int tile) where T : struct, ISimdLanes<T>
    {
        var (rowPanel0, rowPanelCount) = Split(plan.RowPanels, plan.RowTiles, tile / plan.ColumnTiles);
        var (colPanel0, colPanelCount) = Split(plan.ColumnPanels, plan.ColumnTiles, tile % plan.ColumnTiles);
        int nr = plan.Nr;
        float* edge = stackalloc float[OuterRows * nr];
        int* rows = stackalloc int[DepthBlock];   // row p of a packed B panel starts at p * nr
        for (int p = 0; p < DepthBlock; p++)
        {
            rows[p] = p * nr;
        }
        for (int block = 0; block < plan.DepthBlocks; block++)
        {
            var (p0, kc) = plan.Depth(block);
            bool load = plan.Accumulate || block > 0;
            float* blockA = plan.PackedA + (long)p0 * plan.RowPanels * OuterRows;
            float* blockB = plan.PackedB + (long)p0 * plan.ColumnPanels * nr;
            for (int jp = colPanel0; jp < colPanel0 + colPanelCount; jp++)
            {
                float* panelB = blockB + (long)jp * kc * nr;
                for (int ip = rowPanel0; ip < rowPanel0 + rowPanelCount; ip++)
                {
                    MicroTile<T>(plan, blockA + (long)ip * kc * OuterRows, panelB, rows, ip * OuterRows, jp * nr, kc,
                                 load, edge);
                }
            }
        }
    }

    /// <summary>
    /// One <c>8 x Nr</c> tile of C at (<paramref name="i0"/>, <paramref name="j0"/>); edge tiles go through a scratch tile.
    /// </summary>
    private static void MicroTile<T>(in Plan plan, float* panelA, float* panelB, int* rows, int i0, int j0, int kc,
                                     bool load, float* edge)
        where T : struct, ISimdLanes<T>
    {
        int height = Math.Min(OuterRows, plan.M - i0), width = Math.Min(plan.Nr, plan.N - j0);
        float* c = plan.C + (long)i0 * plan.N + j0;
        if (height == OuterRows && width == plan.Nr)
        {
            OuterTile<T>(panelA, panelB, rows, kc, c, plan.N, load);
            return;
        }
        if (load)
        {
            CopyTile(c, plan.N, edge, plan.Nr, height, width);
        }
        OuterTile<T>(panelA, panelB, rows, kc, edge, plan.Nr, load);
        CopyTile(edge, plan.Nr, c, plan.N, height, width);
    }

    private static void CopyTile(float* src, nint srcStride, float* dst, nint dstStride, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(src + r * srcStride, cols).CopyTo(new Span<float>(dst + r * dstStride, cols));
        }
    }
}
