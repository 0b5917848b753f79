using System.Runtime.CompilerServices;
using AlaeIlgpu.Kernels.Cpu;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>Which GEMM kernel <see cref="GemmLauncher"/> runs.</summary>
public enum GemmAlgorithm
{
    /// <summary>One thread per element of C reading A and B from global memory: the baseline.</summary>
    Naive,

    /// <summary>Shared-memory tiles of A and B, each thread computing a 4 x 4 block of C in registers.</summary>
    Tiled,
}

/// <summary>
/// Shapes and strides of one row-major GEMM <c>C (+)= op(A) op(B)</c>, as the kernels read them:
/// <c>op(A)[i, p] = a[i * ARowStride + p * AColStride]</c> and <c>op(B)[p, j] = b[p * BRowStride + j * BColStride]</c>,
/// so a transpose is only a swap of strides. C is dense <c>[M, N]</c>.
/// </summary>
public readonly struct GemmParams
{
    /// <summary>Creates the parameters of <c>C (+)= op(A) op(B)</c> with row-major A, B and C.</summary>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="transA">A is stored <c>[k, m]</c> instead of <c>[m, k]</c>.</param>
    /// <param name="transB">B is stored <c>[n, k]</c> instead of <c>[k, n]</c>.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public GemmParams(int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        M = m;
        N = n;
        K = k;
        ARowStride = transA ? 1 : k;
        AColStride = transA ? m : 1;
        BRowStride = transB ? 1 : n;
        BColStride = transB ? k : 1;
        Accumulate = accumulate ? 1 : 0;
    }

    /// <summary>Rows of op(A) and C.</summary>
    public int M { get; }

    /// <summary>Columns of op(B) and C.</summary>
    public int N { get; }

    /// <summary>Columns of op(A), rows of op(B).</summary>
    public int K { get; }

    /// <summary>Distance in A between op(A)[i, p] and op(A)[i + 1, p].</summary>
    public int ARowStride { get; }

    /// <summary>Distance in A between op(A)[i, p] and op(A)[i, p + 1].</summary>
    public int AColStride { get; }

    /// <summary>Distance in B between op(B)[p, j] and op(B)[p + 1, j].</summary>
    public int BRowStride { get; }

    /// <summary>Distance in B between op(B)[p, j] and op(B)[p, j + 1].</summary>
    public int BColStride { get; }

    /// <summary>1 to add the product to C, 0 to overwrite C (an int: kernels take blittable fields).</summary>
    public int Accumulate { get; }

    /// <summary>Reads op(A)[i, p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float A(ArrayView<float> a, int i, int p) => a[i * ARowStride + p * AColStride];

    /// <summary>Reads op(B)[p, j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float B(ArrayView<float> b, int p, int j) => b[p * BRowStride + j * BColStride];

    /// <summary>Writes <paramref name="value"/> to C[i, j], adding the old value when accumulating.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(ArrayView<float> c, int i, int j, float value)
    {
        int index = i * N + j;
        c[index] = Accumulate != 0 ? c[index] + value : value;
    }
}

/// <summary>
/// ILGPU GEMM kernels, row-major <c>C (+)= op(A) op(B)</c>; launch them through <see cref="GemmLauncher"/>.
/// </summary>
public static class GemmKernels
{
    /// <summary>Depth of the shared-memory tiles of the tiled kernel (one barrier pair per this many steps of K).</summary>
    public const int TileDepth = 32;

    /// <summary>Rows (and columns) of C that one thread of the tiled kernel computes.</summary>
    public const int ThreadBlock = 4;

    /// <summary>Largest group side of the tiled kernel (16 x 16 = 256 threads): sizes its shared memory.</summary>
    public const int MaxGroupSide = 16;

    /// <summary>Largest tile side of the tiled kernel in elements of C.</summary>
    private const int MaxTileSide = MaxGroupSide * ThreadBlock;

    /// <summary>
    /// Distance between the rows of a shared tile: one more than <see cref="MaxTileSide"/>, so that threads that
    /// stage consecutive depths of A write to different shared-memory banks.
    /// </summary>
    private const int TilePitch = MaxTileSide + 1;

    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Gemm.Naive", typeof(GemmKernels), nameof(Naive)),
        KernelEntry.Explicit("Gemm.Tiled", typeof(GemmKernels), nameof(Tiled)),
    ];

    /// <summary>Naive GEMM: the thread at (X = j, Y = i) computes C[i, j] as a dot product over K.</summary>
    /// <param name="index">(column j, row i) of C; the launch extent is (N, M).</param>
    /// <param name="p">Shapes and strides.</param>
    /// <param name="a">A, <c>[M, K]</c> or <c>[K, M]</c>.</param>
    /// <param name="b">B, <c>[K, N]</c> or <c>[N, K]</c>.</param>
    /// <param name="c">C, <c>[M, N]</c>.</param>
    public static void Naive(Index2D index, GemmParams p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        int j = index.X, i = index.Y;
        float sum = 0f;
        for (int q = 0; q < p.K; q++)
        {
            sum += p.A(a, i, q) * p.B(b, q, j);
        }
        p.Store(c, i, j, sum);
    }

    /// <summary>
    /// Tiled GEMM. A group of (DimX, DimY) threads (each side at most <see cref="MaxGroupSide"/>) computes a
    /// <c>[4 DimY, 4 DimX]</c> tile of C: per step of <see cref="TileDepth"/>, the group stages op(A) and op(B)
    /// tiles in shared memory, then thread (x, y) accumulates rows <c>y + DimY r</c> and columns
    /// <c>x + DimX s</c> (r, s in 0..3) in registers. Out-of-range elements load as zero and are not stored.
    /// </summary>
    /// <param name="p">Shapes and strides.</param>
    /// <param name="a">A, <c>[M, K]</c> or <c>[K, M]</c>.</param>
    /// <param name="b">B, <c>[K, N]</c> or <c>[N, K]</c>.</param>
    /// <param name="c">C, <c>[M, N]</c>.</param>
    public static void Tiled(GemmParams p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        var tileA = SharedMemory.Allocate1D<float>(TileDepth * TilePitch);   // [TileDepth][TilePitch]
        var tileB = SharedMemory.Allocate1D<float>(TileDepth * TilePitch);   // [TileDepth][TilePitch]
        int x = Group.IdxX, y = Group.IdxY, dx = Group.DimX, dy = Group.DimY;
        int rows = dy * ThreadBlock, cols = dx * ThreadBlock, thread = y * dx + x, threads = dx * dy;
        int row0 = Grid.IdxY * rows, col0 = Grid.IdxX * cols;
        Block acc = default;
        for (int p0 = 0; p0 < p.K; p0 += TileDepth)
        {
            StageA(p, a, tileA, row0, p0, rows, thread, threads);
            StageB(p, b, tileB, col0, p0, cols, thread, threads);
            Group.Barrier();
            for (int q = 0; q < TileDepth; q++)
            {
                acc = acc.Fma(Read4(tileA, q * TilePitch + y, dy), Read4(tileB, q * TilePitch + x, dx));
            }
            Group.Barrier();
        }
        int row = row0 + y, col = col0 + x;
        StoreRow(p, c, row, col, dx, acc.R0);
        StoreRow(p, c, row + dy, col, dx, acc.R1);
        StoreRow(p, c, row + 2 * dy, col, dx, acc.R2);
        StoreRow(p, c, row + 3 * dy, col, dx, acc.R3);
    }

    /// <summary>
    /// Copies op(A)[row0 .. row0 + rows, p0 .. p0 + TileDepth] into <c>tile[q][i]</c>, zero outside A. Consecutive
    /// threads read consecutive addresses of A whichever way it is stored.
    /// </summary>
    private static void StageA(GemmParams p, ArrayView<float> a, ArrayView<float> tile, int row0, int p0, int rows,
                               int thread, int threads)
    {
        bool depthFastest = p.AColStride == 1;
        for (int e = thread; e < rows * TileDepth; e += threads)
        {
            int q = depthFastest ? e % TileDepth : e / rows;
            int i = depthFastest ? e / TileDepth : e % rows;
            int gi = row0 + i, gq = p0 + q;
            tile[q * TilePitch + i] = gi < p.M && gq < p.K ? p.A(a, gi, gq) : 0f;
        }
    }

    /// <summary>Copies op(B)[p0 .. p0 + TileDepth, col0 .. col0 + cols] into <c>tile[q][j]</c>, zero outside B.</summary>
    private static void StageB(GemmParams p, ArrayView<float> b, ArrayView<float> tile, int col0, int p0, int cols,
                               int thread, int threads)
    {
        bool depthFastest = p.BRowStride == 1;
        for (int e = thread; e < cols * TileDepth; e += threads)
        {
            int q = depthFastest ? e % TileDepth : e / cols;
            int j = depthFastest ? e / TileDepth : e % cols;
            int gj = col0 + j, gq = p0 + q;
            tile[q * TilePitch + j] = gj < p.N && gq < p.K ? p.B(b, gq, gj) : 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Quad Read4(ArrayView<float> tile, int start, int stride) =>
        new(tile[start], tile[start + stride], tile[start + 2 * stride], tile[start + 3 * stride]);

    /// <summary>Stores C[row, col + stride s] for s in 0..3, skipping elements outside C.</summary>
    private static void StoreRow(GemmParams p, ArrayView<float> c, int row, int col, int stride, Quad values)
    {
        if (row >= p.M)
        {
            return;
        }
        if (col < p.N)
        {
            p.Store(c, row, col, values.X);
        }
        if (col + stride < p.N)
        {
            p.Store(c, row, col + stride, values.Y);
        }
        if (col + 2 * stride < p.N)
        {
            p.Store(c, row, col + 2 * stride, values.Z);
        }
        if (col + 3 * stride < p.N)
        {
            p.Store(c, row, col + 3 * stride, values.W);
        }
    }

    /// <summary>Four floats held in registers.</summary>
    private readonly struct Quad(float x, float y, float z, float w)
    {
        public readonly float X = x, Y = y, Z = z, W = w;

        /// <summary><c>this + s * v</c>, element-wise.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Quad Fma(float s, Quad v) => new(X + s * v.X, Y + s * v.Y, Z + s * v.Z, W + s * v.W);
    }

    /// <summary>A thread's 4 x 4 block of C in registers, one <see cref="Quad"/> per row.</summary>
    private readonly struct Block(Quad r0, Quad r1, Quad r2, Quad r3)
    {
        public readonly Quad R0 = r0, R1 = r1, R2 = r2, R3 = r3;

        /// <summary>Adds the outer product of a column of op(A) and a row of op(B).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Block Fma(Quad column, Quad row) =>
            new(R0.Fma(column.X, row), R1.Fma(column.Y, row), R2.Fma(column.Z, row), R3.Fma(column.W, row));
    }
}

/// <summary>
/// Launches the GEMM kernels on one accelerator. The kernels are compiled once, in the constructor; launches go
/// to the accelerator's default stream and are asynchronous (synchronize before reading C on the host).
/// </summary>
public sealed class GemmLauncher
{
    private readonly Action<Index2D, GemmParams, ArrayView<float>, ArrayView<float>, ArrayView<float>> _naive;
    private readonly Action<KernelConfig, GemmParams, ArrayView<float>, ArrayView<float>, ArrayView<float>> _tiled;
    private readonly Index2D _group;

    /// <summary>
    /// Largest group side on ILGPU's CPU simulator. Every simulated thread is an OS thread and every barrier a real
    /// one, so a 128 x 784 x 1024 product takes about 1 s with 1 x 1 groups, 5 s with 2 x 2 and 10 s with 4 x 4 on
    /// two busy cores (measured); 4 x 4 still exercises the cooperative tile loads.
    /// </summary>
    private const int CpuGroupSide = 4;

    /// <summary>Compiles the kernels for <paramref name="accelerator"/> and picks the tiled kernel's group shape.</summary>
    /// <param name="accelerator">A CUDA, OpenCL or CPU (simulator) accelerator.</param>
    public GemmLauncher(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _naive = accelerator.LoadAutoGroupedStreamKernel<
            Index2D, GemmParams, ArrayView<float>, ArrayView<float>, ArrayView<float>>(GemmKernels.Naive);
        _tiled = accelerator.LoadStreamKernel<
            GemmParams, ArrayView<float>, ArrayView<float>, ArrayView<float>>(GemmKernels.Tiled);
        _group = GroupShape(accelerator);
    }

    /// <summary>
    /// Group of the tiled kernel: 16 x 16 threads (64 x 64 tiles of C) on a GPU, at most
    /// <see cref="CpuGroupSide"/> squared on the CPU simulator; halved until it fits the accelerator's maximum group
    /// size (a <c>CPUDevice(2, 2, 1)</c> gives 2 x 2 groups, <c>CPUDevice(2, 1, 1)</c> single-thread groups).
    /// </summary>
    private static Index2D GroupShape(Accelerator accelerator)
    {
        int preferred = accelerator.AcceleratorType == AcceleratorType.CPU ? CpuGroupSide : GemmKernels.MaxGroupSide;
        int side = preferred;
        while (side > 1 && side * side > accelerator.MaxNumThreadsPerGroup)
        {
            side /= 2;
        }
        return new Index2D(side, side);
    }

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
    /// <param name="algorithm">Which kernel runs.</param>
    /// <exception cref="ArgumentException">A dimension is negative, a view is shorter than its shape, or a matrix
    /// has more than <see cref="int.MaxValue"/> elements.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="algorithm"/> is not a defined value.</exception>
    public void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k,
                         bool transA, bool transB, bool accumulate, GemmAlgorithm algorithm = GemmAlgorithm.Tiled)
    {
        CpuGemm.ValidateShapes(a.Length, b.Length, c.Length, m, n, k, transA, transB);
        if (Math.Max((long)m * k, Math.Max((long)k * n, (long)m * n)) > int.MaxValue)
        {
            throw new ArgumentException(
                $"GEMM m={m}, n={n}, k={k}: the kernels index with 32-bit integers, so no matrix may exceed {int.MaxValue} elements.");
        }
        if (m == 0 || n == 0)
        {
            return;
        }
        var p = new GemmParams(m, n, k, transA, transB, accumulate);
        switch (algorithm)
        {
            case GemmAlgorithm.Naive:
                _naive(new Index2D(n, m), p, a, b, c);
                break;
            case GemmAlgorithm.Tiled:
                int tileRows = _group.Y * GemmKernels.ThreadBlock, tileCols = _group.X * GemmKernels.ThreadBlock;
                var grid = new Index2D((n + tileCols - 1) / tileCols, (m + tileRows - 1) / tileRows);
                _tiled(new KernelConfig(grid, _group), p, a, b, c);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Unknown GEMM algorithm.");
        }
    }
}
