using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// One pass of a convolution seen as an implicit GEMM <c>C[row, column] = sum_k A[row, k] * B[k, column]</c>: the
/// tiled kernel gathers A and B straight from the tensors (no im2col buffer) through these static members.
/// </summary>
public interface IConv2dPass
{
    /// <summary>Rows of C.</summary>
    static abstract int Rows(Conv2dGeometry g);

    /// <summary>Columns of C.</summary>
    static abstract int Columns(Conv2dGeometry g);

    /// <summary>Reduction length.</summary>
    static abstract int Depth(Conv2dGeometry g);

    /// <summary>A[row, k], or 0 where it falls into the zero padding.</summary>
    static abstract float LoadA(Conv2dGeometry g, ArrayView<float> a, int row, int k);

    /// <summary>B[k, column], or 0 where it falls into the zero padding.</summary>
    static abstract float LoadB(Conv2dGeometry g, ArrayView<float> b, int k, int column);

    /// <summary>Index of C[row, column] in the result tensor.</summary>
    static abstract int OutputIndex(Conv2dGeometry g, int row, int column);
}

/// <summary>Forward: rows Cout, columns (n, oy, ox), depth (ci, kh, kw); A = w, B = x (implicit im2col).</summary>
public readonly struct Conv2dForwardPass : IConv2dPass
{
    /// <inheritdoc/>
    public static int Rows(Conv2dGeometry g) => g.OutChannels;

    /// <inheritdoc/>
    public static int Columns(Conv2dGeometry g) => g.Batch * g.OutHeight * g.OutWidth;

    /// <inheritdoc/>
    public static int Depth(Conv2dGeometry g) => g.InChannels * g.KernelHeight * g.KernelWidth;

    /// <inheritdoc/>
    public static float LoadA(Conv2dGeometry g, ArrayView<float> a, int row, int k) => a[row * Depth(g) + k];

    /// <inheritdoc/>
    public static float LoadB(Conv2dGeometry g, ArrayView<float> b, int k, int column) =>
        Conv2dKernels.InputAt(g, b, k, column);

    /// <inheritdoc/>
    public static int OutputIndex(Conv2dGeometry g, int row, int column)
    {
        int plane = g.OutHeight * g.OutWidth;
        return (column / plane * g.OutChannels + row) * plane + column % plane;
    }
}

/// <summary>
/// Input gradient (= transposed convolution): rows Cin, columns (n, iy, ix), depth (co, kh, kw);
/// A[ci, (co, kh, kw)] = w[co, ci, kh, kw], B = dy at <c>((iy + p - kh) / s, (ix + p - kw) / s)</c> where divisible.
/// </summary>
public readonly struct Conv2dInputGradientPass : IConv2dPass
{
    /// <inheritdoc/>
    public static int Rows(Conv2dGeometry g) => g.InChannels;

    /// <inheritdoc/>
    public static int Columns(Conv2dGeometry g) => g.Batch * g.Height * g.Width;

    /// <inheritdoc/>
    public static int Depth(Conv2dGeometry g) => g.OutChannels * g.KernelHeight * g.KernelWidth;

    /// <inheritdoc/>
    public static float LoadA(Conv2dGeometry g, ArrayView<float> a, int row, int k)
    {
        int taps = g.KernelHeight * g.KernelWidth;
        return a[(k / taps * g.InChannels + row) * taps + k % taps];
    }

    /// <inheritdoc/>
    public static float LoadB(Conv2dGeometry g, ArrayView<float> b, int k, int column)
    {
        int taps = g.KernelHeight * g.KernelWidth, plane = g.Height * g.Width;
        int co = k / taps, kh = k % taps / g.KernelWidth, kw = k % g.KernelWidth;
        int n = column / plane, iy = column % plane / g.Width, ix = column % g.Width;
        int ty = iy + g.Padding - kh, tx = ix + g.Padding - kw;
        if (ty < 0 || tx < 0 || ty % g.Stride != 0 || tx % g.Stride != 0)
        {
            return 0f;
        }

        int oy = ty / g.Stride, ox = tx / g.Stride;
        return oy < g.OutHeight && ox < g.OutWidth
            ? b[((n * g.OutChannels + co) * g.OutHeight + oy) * g.OutWidth + ox]
            : 0f;
    }

    /// <inheritdoc/>
    public static int OutputIndex(Conv2dGeometry g, int row, int column)
    {
        int plane = g.Height * g.Width;
        return (column / plane * g.InChannels + row) * plane + column % plane;
    }
}

/// <summary>Weight gradient: rows Cout, columns (ci, kh, kw), depth (n, oy, ox); A = dy, B = x (implicit im2col, transposed).</summary>
public readonly struct Conv2dWeightGradientPass : IConv2dPass
{
    /// <inheritdoc/>
    public static int Rows(Conv2dGeometry g) => g.OutChannels;

    /// <inheritdoc/>
    public static int Columns(Conv2dGeometry g) => g.InChannels * g.KernelHeight * g.KernelWidth;

    /// <inheritdoc/>
    public static int Depth(Conv2dGeometry g) => g.Batch * g.OutHeight * g.OutWidth;

    /// <inheritdoc/>
    public static float LoadA(Conv2dGeometry g, ArrayView<float> a, int row, int k)
    {
        int plane = g.OutHeight * g.OutWidth;
        return a[(k / plane * g.OutChannels + row) * plane + k % plane];
    }

    /// <inheritdoc/>
    public static float LoadB(Conv2dGeometry g, ArrayView<float> b, int k, int column) =>
        Conv2dKernels.InputAt(g, b, column, k);

    /// <inheritdoc/>
    public static int OutputIndex(Conv2dGeometry g, int row, int column) => row * Columns(g) + column;
}

/// <summary>
/// ILGPU kernels of the Conv2d family (NCHW cross-correlation): naive one-thread-per-output baselines and a tiled
/// implicit-GEMM kernel per pass. Launch them through <see cref="Conv2dLauncher"/>.
/// </summary>
public static class Conv2dKernels
{
    /// <summary>Reduction depth staged in shared memory per step of the tiled kernel.</summary>
    public const int TileDepth = 16;

    /// <summary>Rows and columns of C that one thread of the tiled kernel accumulates (a 4 x 4 register block).</summary>
    public const int ThreadBlock = 4;

    /// <summary>Largest group side of the tiled kernel (16 x 16 threads); sizes its shared memory.</summary>
    public const int MaxGroupSide = 16;

    private const int MaxTileSide = MaxGroupSide * ThreadBlock;

    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Conv2d.ForwardNaive", typeof(Conv2dKernels), nameof(ForwardNaive)),
        KernelEntry.Implicit("Conv2d.InputGradientNaive", typeof(Conv2dKernels), nameof(InputGradientNaive)),
        KernelEntry.Implicit("Conv2d.WeightGradientNaive", typeof(Conv2dKernels), nameof(WeightGradientNaive)),
        KernelEntry.Implicit("Conv2d.BiasGradient", typeof(Conv2dKernels), nameof(BiasGradient)),
        KernelEntry.Explicit("Conv2d.TiledForward", typeof(Conv2dKernels), nameof(Tiled), typeof(Conv2dForwardPass)),
        KernelEntry.Explicit("Conv2d.TiledInputGradient", typeof(Conv2dKernels), nameof(Tiled), typeof(Conv2dInputGradientPass)),
        KernelEntry.Explicit("Conv2d.TiledWeightGradient", typeof(Conv2dKernels), nameof(Tiled), typeof(Conv2dWeightGradientPass)),
    ];

    /// <summary>Naive forward: one thread per output element of y <c>[N, Cout, Ho, Wo]</c>.</summary>
    /// <param name="index">Flat output index.</param>
    /// <param name="g">The shapes.</param>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="bias">Bias <c>[Cout]</c>, read only when <paramref name="hasBias"/> is 1.</param>
    /// <param name="hasBias">1 to add the bias, 0 otherwise.</param>
    /// <param name="y">Output <c>[N, Cout, Ho, Wo]</c>.</param>
    public static void ForwardNaive(Index1D index, Conv2dGeometry g, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> bias, int hasBias, ArrayView<float> y)
    {
        int i = index, plane = g.OutHeight * g.OutWidth;
        int column = i / (g.OutChannels * plane) * plane + i % plane;
        int co = i / plane % g.OutChannels;
        int depth = g.InChannels * g.KernelHeight * g.KernelWidth;
        float sum = hasBias != 0 ? bias[co] : 0f;
        for (int k = 0; k < depth; k++)
        {
            sum += w[co * depth + k] * InputAt(g, x, k, column);
        }

        y[i] = sum;
    }

    /// <summary>Naive input gradient: one thread per element of dx <c>[N, Cin, H, W]</c>.</summary>
    /// <param name="index">Flat index into dx.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="dx">Input gradient <c>[N, Cin, H, W]</c>.</param>
    public static void InputGradientNaive(Index1D index, Conv2dGeometry g, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx)
    {
        int i = index, plane = g.Height * g.Width;
        int column = i / (g.InChannels * plane) * plane + i % plane;
        int ci = i / plane % g.InChannels;
        int depth = Conv2dInputGradientPass.Depth(g);
        float sum = 0f;
        for (int k = 0; k < depth; k++)
        {
            sum += Conv2dInputGradientPass.LoadA(g, w, ci, k) * Conv2dInputGradientPass.LoadB(g, dy, k, column);
        }

        dx[i] = sum;
    }

    /// <summary>Naive weight gradient: one thread per element of dw <c>[Cout, Cin, Kh, Kw]</c>, summing over n, oy, ox.</summary>
    /// <param name="index">Flat index into dw.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="dw">Weight gradient <c>[Cout, Cin, Kh, Kw]</c>.</param>
    public static void WeightGradientNaive(Index1D index, Conv2dGeometry g, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw)
    {
        int i = index, columns = Conv2dWeightGradientPass.Columns(g);
        int co = i / columns, column = i % columns;
        int depth = Conv2dWeightGradientPass.Depth(g);
        float sum = 0f;
        for (int k = 0; k < depth; k++)
        {
            sum += Conv2dWeightGradientPass.LoadA(g, dy, co, k) * InputAt(g, x, column, k);
        }

        dw[i] = sum;
    }

    /// <summary>Bias gradient: one thread per output channel, <c>db[co] = sum over n, oy, ox of dy</c>.</summary>
    /// <param name="index">Output channel.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="db">Bias gradient <c>[Cout]</c>.</param>
    public static void BiasGradient(Index1D index, Conv2dGeometry g, ArrayView<float> dy, ArrayView<float> db)
    {
        int co = index, plane = g.OutHeight * g.OutWidth;
        float sum = 0f;
        for (int n = 0; n < g.Batch; n++)
        {
            for (int i = 0; i < plane; i++)
            {
                sum += dy[(n * g.OutChannels + co) * plane + i];
            }
        }

        db[co] = sum;
    }

    /// <summary>
    /// Tiled implicit GEMM for one pass. A group of (DimX, DimY) threads (sides at most <see cref="MaxGroupSide"/>)
    /// computes a <c>[4 DimY, 4 DimX]</c> tile of C: per step of <see cref="TileDepth"/> it gathers A and B tiles into
    /// shared memory, then thread (x, y) accumulates rows <c>y + DimY r</c> and columns <c>x + DimX s</c> (r, s &lt; 4)
    /// in registers. Out-of-range elements gather as zero and are not stored.
    /// </summary>
    /// <typeparam name="TPass">The pass: how A, B and the result are addressed.</typeparam>
    /// <param name="g">The shapes of the convolution.</param>
    /// <param name="a">The A tensor of the pass (w, or dy for the weight gradient).</param>
    /// <param name="b">The B tensor of the pass (x, or dy for the input gradient).</param>
    /// <param name="bias">Added per row when <paramref name="hasBias"/> is 1 (the forward bias).</param>
    /// <param name="hasBias">1 to add the bias, 0 otherwise.</param>
    /// <param name="c">The result tensor.</param>
    public static void Tiled<TPass>(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> b, ArrayView<float> bias,
        int hasBias, ArrayView<float> c) where TPass : struct, IConv2dPass
    {
        var tileA = SharedMemory.Allocate1D<float>(TileDepth * MaxTileSide); // [TileDepth][rows of the tile]
        var tileB = SharedMemory.Allocate1D<float>(TileDepth * MaxTileSide); // [TileDepth][columns of the tile]
        int tileRows = Group.DimY * ThreadBlock, tileColumns = Group.DimX * ThreadBlock;
        int row0 = Grid.IdxY * tileRows, column0 = Grid.IdxX * tileColumns;
        int depth = TPass.Depth(g);
        RegisterBlock acc = default;
        for (int k0 = 0; k0 < depth; k0 += TileDepth)
        {
            StageA<TPass>(g, a, tileA, row0, k0, tileRows, depth);
            StageB<TPass>(g, b, tileB, column0, k0, tileColumns, depth);
            Group.Barrier();
            for (int q = 0; q < TileDepth; q++)
            {
                acc.MultiplyAdd(Column(tileA, q * MaxTileSide + Group.IdxY, Group.DimY),
                    Column(tileB, q * MaxTileSide + Group.IdxX, Group.DimX));
            }

            Group.Barrier();
        }

        int row = row0 + Group.IdxY, column = column0 + Group.IdxX;
        StoreRow<TPass>(g, c, bias, hasBias, row, column, acc.R0);
        StoreRow<TPass>(g, c, bias, hasBias, row + Group.DimY, column, acc.R1);
        StoreRow<TPass>(g, c, bias, hasBias, row + 2 * Group.DimY, column, acc.R2);
        StoreRow<TPass>(g, c, bias, hasBias, row + 3 * Group.DimY, column, acc.R3);
    }

    /// <summary>
    /// x at reduction index <c>(ci, kh, kw)</c> and output column <c>(n, oy, ox)</c>:
    /// <c>x[n, ci, oy*s + kh - p, ox*s + kw - p]</c>, or 0 in the padding. This is the implicit im2col matrix.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float InputAt(Conv2dGeometry g, ArrayView<float> x, int k, int column)
    {
        int taps = g.KernelHeight * g.KernelWidth, plane = g.OutHeight * g.OutWidth;
        int ci = k / taps, kh = k % taps / g.KernelWidth, kw = k % g.KernelWidth;
        int n = column / plane, oy = column % plane / g.OutWidth, ox = column % g.OutWidth;
        int iy = oy * g.Stride + kh - g.Padding, ix = ox * g.Stride + kw - g.Padding;
        return iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width
            ? x[((n * g.InChannels + ci) * g.Height + iy) * g.Width + ix]
            : 0f;
    }

    /// <summary>A[row0 .. +rows, k0 .. +TileDepth] into <c>tile[q][i]</c>, depth fastest across threads.</summary>
    private static void StageA<TPass>(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> tile, int row0, int k0, int rows, int depth)
        where TPass : struct, IConv2dPass
    {
        int threads = Group.DimX * Group.DimY, allRows = TPass.Rows(g);
        for (int e = Group.LinearIndex; e < rows * TileDepth; e += threads)
        {
            int q = e % TileDepth, i = e / TileDepth;
            int row = row0 + i, k = k0 + q;
            tile[q * MaxTileSide + i] = row < allRows && k < depth ? TPass.LoadA(g, a, row, k) : 0f;
        }
    }

    /// <summary>B[k0 .. +TileDepth, column0 .. +columns] into <c>tile[q][j]</c>, columns fastest across threads.</summary>
    private static void StageB<TPass>(Conv2dGeometry g, ArrayView<float> b, ArrayView<float> tile, int column0, int k0, int columns, int depth)
        where TPass : struct, IConv2dPass
    {
        int threads = Group.DimX * Group.DimY, allColumns = TPass.Columns(g);
        for (int e = Group.LinearIndex; e < columns * TileDepth; e += threads)
        {
            int q = e / columns, j = e % columns;
            int column = column0 + j, k = k0 + q;
            tile[q * MaxTileSide + j] = column < allColumns && k < depth ? TPass.LoadB(g, b, k, column) : 0f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector4 Column(ArrayView<float> tile, int start, int stride) =>
        new(tile[start], tile[start + stride], tile[start + 2 * stride], tile[start + 3 * stride]);

    /// <summary>Stores C[row, column + stride s] for s &lt; 4 (plus the bias), skipping elements outside C.</summary>
    private static void StoreRow<TPass>(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> bias, int hasBias, int row, int column,
        Vector4 values) where TPass : struct, IConv2dPass
    {
        if (row >= TPass.Rows(g))
        {
            return;
        }

        float b = hasBias != 0 ? bias[row] : 0f;
        int columns = TPass.Columns(g), stride = Group.DimX;
        StoreOne<TPass>(g, c, row, column, columns, values.X + b);
        StoreOne<TPass>(g, c, row, column + stride, columns, values.Y + b);
        StoreOne<TPass>(g, c, row, column + 2 * stride, columns, values.Z + b);
        StoreOne<TPass>(g, c, row, column + 3 * stride, columns, values.W + b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne<TPass>(Conv2dGeometry g, ArrayView<float> c, int row, int column, int columns, float value)
        where TPass : struct, IConv2dPass
    {
        if (column < columns)
        {
            c[TPass.OutputIndex(g, row, column)] = value;
        }
    }

    /// <summary>Four floats held in registers.</summary>
    private struct Vector4(float x, float y, float z, float w)
    {
        public float X = x, Y = y, Z = z, W = w;
    }

    /// <summary>A 4 x 4 block of accumulators; row r holds the thread's row r of C.</summary>
    private struct RegisterBlock
    {
        public Vector4 R0, R1, R2, R3;

        /// <summary><c>R[r] += a[r] * b</c> (an outer product of a column of A and a row of B).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void MultiplyAdd(Vector4 a, Vector4 b)
        {
            R0 = Fma(a.X, b, R0);
            R1 = Fma(a.Y, b, R1);
            R2 = Fma(a.Z, b, R2);
            R3 = Fma(a.W, b, R3);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector4 Fma(float s, Vector4 b, Vector4 acc) =>
            new(acc.X + s * b.X, acc.Y + s * b.Y, acc.Z + s * b.Z, acc.W + s * b.W);
    }
}

/// <summary>Which kernel a <see cref="Conv2dLauncher"/> pass runs.</summary>
public enum Conv2dAlgorithm
{
    /// <summary>One thread per output element, everything read from global memory: the baseline.</summary>
    Naive,

    /// <summary>Implicit GEMM with shared-memory tiles and a 4 x 4 register block per thread.</summary>
    Tiled,
}

/// <summary>
/// Loads the Conv2d kernels once for one accelerator and launches them on its default stream with host-side shape
/// checks (kernels cannot throw). Buffers are NCHW views of exactly the lengths the geometry gives.
/// </summary>
public sealed class Conv2dLauncher
{
    private readonly Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _forwardNaive;
    private readonly Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>> _inputGradientNaive;
    private readonly Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>> _weightGradientNaive;
    private readonly Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>> _biasGradient;
    private readonly Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _tiledForward;
    private readonly Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _tiledInputGradient;
    private readonly Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _tiledWeightGradient;
    private readonly int _groupSide;

    /// <summary>Compiles and loads every kernel of the family for <paramref name="accelerator"/>.</summary>
    public Conv2dLauncher(Accelerator accelerator)
    {
        _forwardNaive = accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, int, ArrayView<float>>(Conv2dKernels.ForwardNaive);
        _inputGradientNaive = accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>,
            ArrayView<float>>(Conv2dKernels.InputGradientNaive);
        _weightGradientNaive = accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>,
            ArrayView<float>>(Conv2dKernels.WeightGradientNaive);
        _biasGradient = accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>>(
            Conv2dKernels.BiasGradient);
        _tiledForward = LoadTiled<Conv2dForwardPass>(accelerator);
        _tiledInputGradient = LoadTiled<Conv2dInputGradientPass>(accelerator);
        _tiledWeightGradient = LoadTiled<Conv2dWeightGradientPass>(accelerator);
        _groupSide = Conv2dKernels.MaxGroupSide;
        while (_groupSide * _groupSide > accelerator.MaxNumThreadsPerGroup)
        {
            _groupSide /= 2;
        }
    }

    /// <summary><c>y = conv2d(x, w) + bias</c>.</summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="bias">Bias <c>[Cout]</c>, or an empty view for none.</param>
    /// <param name="y">Output <c>[N, Cout, Ho, Wo]</c> (overwritten).</param>
    /// <param name="g">The shapes.</param>
    /// <param name="algorithm">Which kernel runs.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, in Conv2dGeometry g,
        Conv2dAlgorithm algorithm = Conv2dAlgorithm.Tiled)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        g.CheckLength(nameof(y), y.Length, g.OutputLength);
        int hasBias = bias.Length > 0 ? 1 : 0;
        if (hasBias != 0)
        {
            g.CheckLength(nameof(bias), bias.Length, g.OutChannels);
        }

        var biasOrUnread = hasBias != 0 ? bias : w; // a valid view the kernel never reads when hasBias is 0
        if (algorithm == Conv2dAlgorithm.Naive)
        {
            _forwardNaive(g.OutputLength, g, x, w, biasOrUnread, hasBias, y);
        }
        else
        {
            _tiledForward(TiledConfig<Conv2dForwardPass>(g), g, w, x, biasOrUnread, hasBias, y);
        }
    }

    /// <summary><c>dx = conv2d_input_grad(dy, w)</c>, the adjoint of <see cref="Forward"/> in x.</summary>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="dx">Input gradient <c>[N, Cin, H, W]</c> (overwritten).</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="algorithm">Which kernel runs.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void InputGradient(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, in Conv2dGeometry g,
        Conv2dAlgorithm algorithm = Conv2dAlgorithm.Tiled)
    {
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        g.CheckLength(nameof(dx), dx.Length, g.InputLength);
        if (algorithm == Conv2dAlgorithm.Naive)
        {
            _inputGradientNaive(g.InputLength, g, dy, w, dx);
        }
        else
        {
            _tiledInputGradient(TiledConfig<Conv2dInputGradientPass>(g), g, w, dy, w, 0, dx);
        }
    }

    /// <summary>
    /// Transposed convolution (<c>conv_transpose2d</c>, output padding 0) for a geometry from
    /// <see cref="Conv2dGeometry.ForTransposed"/>: the same computation as <see cref="InputGradient"/>.
    /// </summary>
    /// <param name="x">Input, shaped like the geometry's output.</param>
    /// <param name="w">Weight <c>[Cin_t, Cout_t, K, K]</c>, shaped like the geometry's weight.</param>
    /// <param name="y">Output, shaped like the geometry's input (overwritten).</param>
    /// <param name="g">The geometry of the convolution this is the adjoint of.</param>
    /// <param name="algorithm">Which kernel runs.</param>
    public void TransposedForward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, in Conv2dGeometry g,
        Conv2dAlgorithm algorithm = Conv2dAlgorithm.Tiled) => InputGradient(x, w, y, g, algorithm);

    /// <summary><c>dw = sum over the batch of dy (*) x</c> and, for a non-empty <paramref name="db"/>, <c>db = sum dy</c>.</summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="dw">Weight gradient <c>[Cout, Cin, Kh, Kw]</c> (overwritten).</param>
    /// <param name="db">Bias gradient <c>[Cout]</c> (overwritten), or an empty view to skip it.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="algorithm">Which kernel runs.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void WeightGradient(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db, in Conv2dGeometry g,
        Conv2dAlgorithm algorithm = Conv2dAlgorithm.Tiled)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        g.CheckLength(nameof(dw), dw.Length, g.WeightLength);
        if (db.Length > 0)
        {
            g.CheckLength(nameof(db), db.Length, g.OutChannels);
            _biasGradient(g.OutChannels, g, dy, db);
        }

        if (algorithm == Conv2dAlgorithm.Naive)
        {
            _weightGradientNaive(g.WeightLength, g, x, dy, dw);
        }
        else
        {
            _tiledWeightGradient(TiledConfig<Conv2dWeightGradientPass>(g), g, dy, x, dy, 0, dw);
        }
    }

    private static Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>
        LoadTiled<TPass>(Accelerator accelerator) where TPass : struct, IConv2dPass =>
        accelerator.LoadStreamKernel<Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>(
            Conv2dKernels.Tiled<TPass>);

    private KernelConfig TiledConfig<TPass>(in Conv2dGeometry g) where TPass : struct, IConv2dPass
    {
        int tile = _groupSide * Conv2dKernels.ThreadBlock;
        var grid = new Index2D((TPass.Columns(g) + tile - 1) / tile, (TPass.Rows(g) + tile - 1) / tile);
        return new KernelConfig(grid, new Index2D(_groupSide, _groupSide));
    }
}
