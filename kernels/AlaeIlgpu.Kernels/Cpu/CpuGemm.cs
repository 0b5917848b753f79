using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using static AlaeIlgpu.Kernels.Cpu.MicroKernels;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Single-precision matrix multiply for the <c>cpu</c> backend: <c>C = op(A) op(B)</c> or <c>C += op(A) op(B)</c>,
/// row-major, with optional transposes.
/// </summary>
/// <remarks>
/// Both operands are copied into packed panels (<see cref="PanelPacking"/>: zero-padded, transposes resolved there):
/// op(A) once, up front and in parallel; op(B) by each task for its own tile, per depth block, just before using it
/// (so that slice is still in L2), unless C has more than one row of tiles: every row would pack the same slices
/// again, so op(B) is then packed whole up front as well (at 1024^3 this made the product some 10% faster). Then one register-tiled micro-kernel computes every
/// <c>8 x 3L</c> tile of C for a lane count L: <see cref="MicroKernels.OuterTile{T, TVector}"/>, the same kernel as the direct
/// convolution's, over <see cref="Lanes512"/> when the CPU accelerates 512-bit vectors, else over
/// <see cref="LanesVectorT"/> (where it runs as two halves of 4 rows on 16 registers). The depth is cut into blocks of
/// at most <see cref="DepthBlock"/>, so that a B micro-panel stays in L1 while the A micro-panels of a tile stream past
/// it from L2. C is cut into tiles that run as parallel tasks once the problem is large enough. The packed operands come
/// from the shared array pool and go back to it.
/// </remarks>
public static unsafe class CpuGemm
{
    /// <summary>Depth of one packed block: a B micro-panel (<c>DepthBlock x 3L</c>, 24 KiB with AVX2) stays in L1.</summary>
    internal const int DepthBlock = 256;

    /// <summary>Most rows of A in one task tile: the tile's A block (<c>MaxRowsPerTile x DepthBlock</c>) stays in L2.</summary>
    private const int MaxRowsPerTile = 384;

    /// <summary>Tasks per depth block when op(A) is packed in parallel.</summary>
    private const int PackChunksPerBlock = 2;

    /// <summary>Tasks per worker thread: enough to even out tiles of different sizes.</summary>
    private const int TasksPerThread = 4;

    /// <summary>Below this many multiply-adds the work runs on the calling thread: threading would cost more.</summary>
    private const long ParallelMinMultiplyAdds = 1L << 21;

    /// <summary>Alignment of the packed buffers, in floats (64 bytes, one cache line).</summary>
    internal const int BufferAlignment = 16;

    /// <summary>Most micro-panels of op(B) in one task tile: the tile's packed B slice stays in L2.</summary>
    private const int MaxColumnPanelsPerTile = 8;

    /// <summary>
    /// The packed slice of op(B) of the tile a thread computes. It is bounded (one depth block of at most
    /// <see cref="MaxColumnPanelsPerTile"/> panels), so that a server decoding on many threads holds no packed copy of
    /// a whole weight per thread.
    /// </summary>
    [ThreadStatic]
    private static float[]? t_sliceB;

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
                                int m, int n, int k, bool transA, bool transB, bool accumulate) =>
        Multiply(a, b, c, m, n, k, transA, transB, CpuEpilogue.Plain(accumulate));

    /// <summary>
    /// Row-major <c>op(A) op(B)</c> stored into C as <paramref name="epilogue"/> says: overwriting, adding, or with a
    /// bias and leaky ReLU applied to each tile of C as soon as it is finished.
    /// </summary>
    /// <param name="a">op(A) is <c>[m, k]</c>: A is stored <c>[m, k]</c>, or <c>[k, m]</c> when <paramref name="transA"/>.</param>
    /// <param name="b">op(B) is <c>[k, n]</c>: B is stored <c>[k, n]</c>, or <c>[n, k]</c> when <paramref name="transB"/>.</param>
    /// <param name="c">C, stored <c>[m, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="transA">A is stored transposed.</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <param name="epilogue">How each finished element is stored.</param>
    /// <exception cref="ArgumentException">A dimension is negative, a span is shorter than its shape, or the bias than its axis.</exception>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
                                int m, int n, int k, bool transA, bool transB, in CpuEpilogue epilogue)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Multiply<Lanes512, Vector512<float>>(a, b, c, m, n, k, transA, transB, epilogue);
        }
        else
        {
            Multiply<LanesVectorT, Vector<float>>(a, b, c, m, n, k, transA, transB, epilogue);
        }
    }

    /// <summary>
    /// Row-major <c>op(A) B'</c> stored into C as <paramref name="epilogue"/> says, where <paramref name="b"/> is an op(B)
    /// packed once beforehand (<see cref="PackedOperand.Right"/>): the GEMM then packs only op(A).
    /// </summary>
    /// <param name="a">op(A) is <c>[m, k]</c>: A is stored <c>[m, k]</c>, or <c>[k, m]</c> when <paramref name="transA"/>.</param>
    /// <param name="b">op(B) <c>[k, n]</c>, packed.</param>
    /// <param name="c">C, stored <c>[m, n]</c>.</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="transA">A is stored transposed.</param>
    /// <param name="epilogue">How each finished element is stored.</param>
    /// <exception cref="ArgumentException">A span is shorter than its shape, or the bias than its axis.</exception>
    public static void Multiply(ReadOnlySpan<float> a, PackedOperand b, Span<float> c, int m, bool transA, in CpuEpilogue epilogue)
    {
        if (b.Wide)
        {
            Multiply<Lanes512, Vector512<float>>(a, default, b, c, m, b.Columns, b.Depth, transA, false, epilogue);
        }
        else
        {
            Multiply<LanesVectorT, Vector<float>>(a, default, b, c, m, b.Columns, b.Depth, transA, false, epilogue);
        }
    }

    /// <summary><see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool, bool, in CpuEpilogue)"/> at the lane width <typeparamref name="T"/>, whatever the machine accelerates.</summary>
    internal static void Multiply<T, TVector>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
                                     int m, int n, int k, bool transA, bool transB, in CpuEpilogue epilogue)
        where T : struct, ISimdLanes<TVector> where TVector : struct =>
        Multiply<T, TVector>(a, b, null, c, m, n, k, transA, transB, epilogue);

    /// <summary>The GEMM at lane width <typeparamref name="T"/>, packing op(B) per tile or reading <paramref name="packedB"/>.</summary>
    private static void Multiply<T, TVector>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, PackedOperand? packedB, Span<float> c,
                                    int m, int n, int k, bool transA, bool transB, in CpuEpilogue epilogue)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        ValidateShapes(a.Length, packedB is null ? b.Length : (long)k * n, c.Length, m, n, k, transA, transB);
        epilogue.Validate(m, n);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (k == 0)
        {
            if (!epilogue.Accumulate)
            {
                c[..(m * n)].Clear();
            }
            FinishAll(c, m, n, epilogue);
            return;
        }
        fixed (float* pa = a, pb = b, pc = c, bias = epilogue.Bias, packed = packedB is null ? null : packedB.Buffer)
        {
            var left = new PanelSource(pa, m, transA ? m : k, alongWidth: transA);    // op(A) [m, k]
            var right = new PanelSource(pb, n, transB ? k : n, alongWidth: !transB);  // op(B)^T [n, k]
            Run<T, TVector>(left, right, packed is null ? null : Align(packed), pc, k, new Finish(epilogue, bias));
        }
    }

    /// <summary>Applies the epilogue's bias and activation to all of C (an empty reduction: nothing to fuse into).</summary>
    private static void FinishAll(Span<float> c, int m, int n, in CpuEpilogue epilogue)
    {
        if (!epilogue.Finishes)
        {
            return;
        }
        fixed (float* pc = c, bias = epilogue.Bias)
        {
            var finish = new Finish(epilogue, bias);
            for (int i = 0; i < m; i++)
            {
                finish.Apply(pc + (long)i * n, i, 0, n);
            }
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
    /// How the work is cut: depth blocks of at most <see cref="DepthBlock"/>, op(A) packed up front per block as
    /// <c>[RowPanels][kc][8]</c>, and C tiles (whole micro-panels) that become parallel tasks, each packing its own
    /// slice of op(B).
    /// </summary>
    private readonly struct Plan
    {
        public readonly PanelSource Right;
        public readonly Finish Finish;
        public readonly float* PackedA;   // per depth block [p0, p0 + kc): at p0 * RowPanels * 8, [RowPanels][kc][8]
        public readonly float* PackedB;   // null, or op(B) packed whole: per depth block at p0 * ColumnPanels * Nr, [ColumnPanels][kc][Nr]
        public readonly float* C;         // [m, n]
        public readonly int M, N, K, Nr, RowPanels, ColumnPanels, RowTiles, ColumnTiles, DepthBlocks;
        public readonly bool Accumulate;

        public Plan(PanelSource right, float* packedA, float* packedB, float* c, int m, int k, int nr, in Finish finish, bool parallel)
        {
            Right = right;
            PackedB = packedB;
            Finish = finish;
            PackedA = packedA;
            C = c;
            M = m;
            N = right.Width;
            K = k;
            Nr = nr;
            Accumulate = finish.Accumulate;
            RowPanels = Panels(m, OuterRows);
            ColumnPanels = Panels(N, nr);
            DepthBlocks = DepthBlockCount(k);
            RowTiles = RowTileCount(m);
            int wantedColumnTiles = parallel ? Panels(TasksPerThread * CpuWorkers.Threads, RowTiles) : 1;
            ColumnTiles = Math.Min(ColumnPanels, Math.Max(Panels(ColumnPanels, MaxColumnPanelsPerTile), wantedColumnTiles));
        }

        public int Tiles => RowTiles * ColumnTiles;

        /// <summary>Depth range of block <paramref name="block"/>; blocks differ in size by at most one.</summary>
        public (int Start, int Length) Depth(int block) =>
            DepthRange(K, block);

        /// <summary>Floats a task needs for its packed slice of op(B) in one depth block.</summary>
        public int SliceLength =>
            Panels(K, DepthBlocks) * Panels(ColumnPanels, ColumnTiles) * Nr;
    }

    /// <summary>Micro-panels of <paramref name="width"/> that cover <paramref name="count"/> rows or columns.</summary>
    internal static int Panels(int count, int width) => (count + width - 1) / width;

    /// <summary>Depth blocks of a reduction of length <paramref name="k"/>.</summary>
    internal static int DepthBlockCount(int k) => Panels(k, DepthBlock);

    /// <summary>Depth range of block <paramref name="block"/> of a reduction of length <paramref name="k"/>; blocks differ in size by at most one.</summary>
    internal static (int Start, int Length) DepthRange(int k, int block) => Split(k, DepthBlockCount(k), block);

    /// <summary>Part <paramref name="part"/> of <paramref name="count"/> items cut into <paramref name="parts"/> near-equal parts.</summary>
    private static (int Start, int Length) Split(int count, int parts, int part)
    {
        int start = (int)((long)count * part / parts);
        return (start, (int)((long)count * (part + 1) / parts) - start);
    }

    private static void Run<T, TVector>(in PanelSource left, in PanelSource right, float* packedB, float* c, int k, in Finish finish)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        int m = left.Width, nr = OuterVectors * T.Count;
        bool parallel = (long)m * right.Width * k >= ParallelMinMultiplyAdds && CpuWorkers.Threads > 1;
        // Tiles pack their own slice of op(B), once per row of tiles: with more than one row, op(B) is packed whole
        // up front instead, so that it is packed only once.
        bool packBWhole = packedB == null && RowTileCount(m) > 1;
        float[] arrayA = ArrayPool<float>.Shared.Rent(checked(Panels(m, OuterRows) * OuterRows * k + BufferAlignment));
        float[]? arrayB = packBWhole ? ArrayPool<float>.Shared.Rent(checked(Panels(right.Width, nr) * nr * k + BufferAlignment)) : null;
        try
        {
            fixed (float* bufferA = arrayA, bufferB = arrayB)
            {
                if (packBWhole)
                {
                    packedB = Align(bufferB);
                    PackWhole(right, nr, k, packedB, parallel);
                }
                Execute<T, TVector>(left, new Plan(right, Align(bufferA), packedB, c, m, k, nr, finish, parallel), parallel);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(arrayA);
            if (arrayB is not null)
            {
                ArrayPool<float>.Shared.Return(arrayB);
            }
        }
    }

    /// <summary>Rows of tiles C is cut into: each tile's block of op(A) (at most <see cref="MaxRowsPerTile"/> rows) stays in L2.</summary>
    private static int RowTileCount(int m) => Panels(Panels(m, OuterRows), MaxRowsPerTile / OuterRows);

    /// <summary>Packs op(A), then computes every tile: as parallel tasks, or in order on this thread.</summary>
    private static void Execute<T, TVector>(PanelSource left, Plan plan, bool parallel) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        PackWhole(left, OuterRows, plan.K, plan.PackedA, parallel);
        if (parallel)
        {
            CpuWorkers.Run(plan.Tiles, t => ComputeTile<T, TVector>(plan, t));
            return;
        }
        for (int t = 0; t < plan.Tiles; t++)
        {
            ComputeTile<T, TVector>(plan, t);
        }
    }

    /// <summary>
    /// Packs all of <paramref name="source"/> into panels of <paramref name="width"/>, depth block after depth block:
    /// block [p0, p0 + kc) at <c>p0 * panels * width</c> as <c>[panels][kc][width]</c>. In parallel, each block is cut
    /// into <see cref="PackChunksPerBlock"/> tasks.
    /// </summary>
    internal static void PackWhole(PanelSource source, int width, int k, float* dst, bool parallel)
    {
        int panels = Panels(source.Width, width), chunks = Math.Min(panels, PackChunksPerBlock);
        int tasks = DepthBlockCount(k) * chunks;
        if (parallel)
        {
            CpuWorkers.Run(tasks, t => PackChunk(source, width, panels, k, dst, chunks, t));
            return;
        }
        for (int t = 0; t < tasks; t++)
        {
            PackChunk(source, width, panels, k, dst, chunks, t);
        }
    }

    /// <summary>A worker's scratch array, grown on demand and pinned so that pointers into it stay valid.</summary>
    private static float[] Scratch(ref float[]? cache, int length)
    {
        if (cache is null || cache.Length < length)
        {
            cache = GC.AllocateUninitializedArray<float>(length, pinned: true);
        }
        return cache;
    }

    /// <summary>The first 64-byte boundary at or after <paramref name="p"/>.</summary>
    internal static float* Align(float* p) =>
        (float*)(((nint)p + BufferAlignment * sizeof(float) - 1) & ~(nint)(BufferAlignment * sizeof(float) - 1));

    /// <summary>Pack task <paramref name="task"/> of <see cref="PackWhole"/>: part <c>task % chunks</c> of the panels in depth block <c>task / chunks</c>.</summary>
    private static void PackChunk(in PanelSource source, int width, int panels, int k, float* dst, int chunks, int task)
    {
        var (p0, kc) = DepthRange(k, task / chunks);
        var (first, count) = Split(panels, chunks, task % chunks);
        float* zeros = stackalloc float[kc];
        new Span<float>(zeros, kc).Clear();
        PanelPacking.Pack(source, width, first, count, p0, kc, dst + (long)p0 * panels * width + (long)first * kc * width, zeros);
    }

    /// <summary>
    /// Computes one C tile over all of K: per depth block, packs the tile's slice of op(B) into this thread's scratch
    /// (or finds it in the op(B) packed beforehand), then each B micro-panel meets every A micro-panel of the tile, so the B panel is read from L1 and the A block
    /// from L2.
    /// </summary>
    private static void ComputeTile<T, TVector>(in Plan plan, int tile) where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        var (rowPanel0, rowPanelCount) = Split(plan.RowPanels, plan.RowTiles, tile / plan.ColumnTiles);
        var (colPanel0, colPanelCount) = Split(plan.ColumnPanels, plan.ColumnTiles, tile % plan.ColumnTiles);
        int nr = plan.Nr;
        float* edge = stackalloc float[OuterRows * nr];
        float* zeros = stackalloc float[DepthBlock];
        new Span<float>(zeros, DepthBlock).Clear();
        int* rows = stackalloc int[DepthBlock];   // row p of a packed B panel starts at p * nr
        for (int p = 0; p < DepthBlock; p++)
        {
            rows[p] = p * nr;
        }
        float[] scratch = plan.PackedB is null ? Scratch(ref t_sliceB, plan.SliceLength + BufferAlignment) : [];
        fixed (float* slice = scratch)
        {
            for (int block = 0; block < plan.DepthBlocks; block++)
            {
                var (p0, kc) = plan.Depth(block);
                bool load = plan.Accumulate || block > 0, last = block == plan.DepthBlocks - 1;
                float* blockA = plan.PackedA + (long)p0 * plan.RowPanels * OuterRows;
                float* packedB = plan.PackedB is null
                    ? Align(slice)
                    : plan.PackedB + (long)p0 * plan.ColumnPanels * nr + (long)colPanel0 * kc * nr;
                if (plan.PackedB is null)
                {
                    PanelPacking.Pack(plan.Right, nr, colPanel0, colPanelCount, p0, kc, packedB, zeros);
                }
                for (int jp = 0; jp < colPanelCount; jp++)
                {
                    float* panelB = packedB + (long)jp * kc * nr;
                    for (int ip = rowPanel0; ip < rowPanel0 + rowPanelCount; ip++)
                    {
                        MicroTile<T, TVector>(plan, blockA + (long)ip * kc * OuterRows, panelB, rows, ip * OuterRows,
                                     (colPanel0 + jp) * nr, kc, load, last, edge);
                    }
                }
            }
        }
    }

    /// <summary>
    /// One <c>8 x Nr</c> tile of C at (<paramref name="i0"/>, <paramref name="j0"/>); edge tiles go through a scratch tile.
    /// </summary>
    private static void MicroTile<T, TVector>(in Plan plan, float* panelA, float* panelB, int* rows, int i0, int j0, int kc,
                                     bool load, bool last, float* edge)
        where T : struct, ISimdLanes<TVector> where TVector : struct
    {
        int height = Math.Min(OuterRows, plan.M - i0), width = Math.Min(plan.Nr, plan.N - j0);
        float* c = plan.C + (long)i0 * plan.N + j0;
        if (height == OuterRows && width == plan.Nr)
        {
            OuterTile<T, TVector>(panelA, panelB, rows, kc, c, plan.N, load);
        }
        else
        {
            if (load)
            {
                CopyTile(c, plan.N, edge, plan.Nr, height, width);
            }
            OuterTile<T, TVector>(panelA, panelB, rows, kc, edge, plan.Nr, load);
            CopyTile(edge, plan.Nr, c, plan.N, height, width);
        }
        if (last && plan.Finish.Finishes)
        {
            for (int r = 0; r < height; r++)
            {
                plan.Finish.Apply(c + (long)r * plan.N, i0 + r, j0, width);
            }
        }
    }

    /// <summary>The epilogue as the tasks carry it: the bias pinned, read through a pointer.</summary>
    private readonly struct Finish
    {
        public readonly float* Bias;
        public readonly BiasAxis Axis;
        public readonly float NegativeSlope;
        public readonly bool Accumulate, Finishes;

        public Finish(in CpuEpilogue epilogue, float* bias)
        {
            Bias = bias;
            Axis = epilogue.Axis;
            NegativeSlope = epilogue.NegativeSlope;
            Accumulate = epilogue.Accumulate;
            Finishes = epilogue.Finishes;
        }

        /// <summary>Finishes <paramref name="width"/> elements of row <paramref name="i"/> from column <paramref name="j0"/>.</summary>
        public void Apply(float* row, int i, int j0, int width) =>
            CpuEpilogue.FinishRow(row, width, Axis, Axis == BiasAxis.Columns ? Bias + j0 : null,
                                  Axis == BiasAxis.Rows ? Bias[i] : 0f, NegativeSlope);
    }

    private static void CopyTile(float* src, nint srcStride, float* dst, nint dstStride, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(src + r * srcStride, cols).CopyTo(new Span<float>(dst + r * dstStride, cols));
        }
    }
}
