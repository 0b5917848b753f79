using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// One pass of a modulated convolution as an implicit GEMM <c>C[row, column] = sum_k A[row, k] * B[k, column]</c>
/// whose operands carry the per-sample factors: the style s <c>[N, Cin]</c> scales input channels and the
/// demodulation d <c>[N, Cout]</c> (when <c>hasDemodulation</c> is 1) scales output channels, as they are gathered.
/// </summary>
public interface IModulatedConvPass
{
    /// <summary>Rows of C.</summary>
    static abstract int Rows(Conv2dGeometry g);

    /// <summary>Columns of C.</summary>
    static abstract int Columns(Conv2dGeometry g);

    /// <summary>Reduction length.</summary>
    static abstract int Depth(Conv2dGeometry g);

    /// <summary>A[row, k] with its factor, or 0 in the zero padding.</summary>
    static abstract float LoadA(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int row, int k);

    /// <summary>B[k, column] with its factor, or 0 in the zero padding.</summary>
    static abstract float LoadB(Conv2dGeometry g, ArrayView<float> b, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int k, int column);

    /// <summary>Writes C[row, column] (times its factor) into the result tensor.</summary>
    static abstract void Store(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> demodulation, int hasDemodulation,
        int row, int column, float value);
}

/// <summary>Forward: rows Cout, columns (n, oy, ox), depth (ci, kh, kw); A = w, B = s * x, C scaled by d.</summary>
public readonly struct ModulatedConvForwardPass : IModulatedConvPass
{
    /// <inheritdoc/>
    public static int Rows(Conv2dGeometry g) => Conv2dForwardPass.Rows(g);

    /// <inheritdoc/>
    public static int Columns(Conv2dGeometry g) => Conv2dForwardPass.Columns(g);

    /// <inheritdoc/>
    public static int Depth(Conv2dGeometry g) => Conv2dForwardPass.Depth(g);

    /// <inheritdoc/>
    public static float LoadA(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int row, int k) => Conv2dForwardPass.LoadA(g, a, row, k);

    /// <inheritdoc/>
    public static float LoadB(Conv2dGeometry g, ArrayView<float> b, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int k, int column) =>
        Conv2dKernels.InputAt(g, b, k, column) * ModulatedConvKernels.StyleAt(g, style, k, column);

    /// <inheritdoc/>
    public static void Store(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> demodulation, int hasDemodulation,
        int row, int column, float value)
    {
        int n = column / (g.OutHeight * g.OutWidth);
        c[Conv2dForwardPass.OutputIndex(g, row, column)] =
            value * ModulatedConvKernels.DemodulationAt(g, demodulation, hasDemodulation, n, row);
    }
}

/// <summary>
/// Input gradient before the style factor: rows Cin, columns (n, iy, ix), depth (co, kh, kw); A = w, B = d * dy.
/// The result u gives <c>dx = s * u</c> and <c>ds = sum x * u</c> (see <see cref="ModulatedConvKernels.PlaneDots"/>).
/// </summary>
public readonly struct ModulatedConvInputGradientPass : IModulatedConvPass
{
    /// <inheritdoc/>
    public static int Rows(Conv2dGeometry g) => Conv2dInputGradientPass.Rows(g);

    /// <inheritdoc/>
    public static int Columns(Conv2dGeometry g) => Conv2dInputGradientPass.Columns(g);

    /// <inheritdoc/>
    public static int Depth(Conv2dGeometry g) => Conv2dInputGradientPass.Depth(g);

    /// <inheritdoc/>
    public static float LoadA(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int row, int k) => Conv2dInputGradientPass.LoadA(g, a, row, k);

    /// <inheritdoc/>
    public static float LoadB(Conv2dGeometry g, ArrayView<float> b, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int k, int column)
    {
        int n = column / (g.Height * g.Width), co = k / (g.KernelHeight * g.KernelWidth);
        return Conv2dInputGradientPass.LoadB(g, b, k, column) * ModulatedConvKernels.DemodulationAt(g, demodulation, hasDemodulation, n, co);
    }

    /// <inheritdoc/>
    public static void Store(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> demodulation, int hasDemodulation,
        int row, int column, float value) => c[Conv2dInputGradientPass.OutputIndex(g, row, column)] = value;
}

/// <summary>Weight gradient: rows Cout, columns (ci, kh, kw), depth (n, oy, ox); A = d * dy, B = s * x.</summary>
public readonly struct ModulatedConvWeightGradientPass : IModulatedConvPass
{
    /// <inheritdoc/>
    public static int Rows(Conv2dGeometry g) => Conv2dWeightGradientPass.Rows(g);

    /// <inheritdoc/>
    public static int Columns(Conv2dGeometry g) => Conv2dWeightGradientPass.Columns(g);

    /// <inheritdoc/>
    public static int Depth(Conv2dGeometry g) => Conv2dWeightGradientPass.Depth(g);

    /// <inheritdoc/>
    public static float LoadA(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int row, int k)
    {
        int n = k / (g.OutHeight * g.OutWidth);
        return Conv2dWeightGradientPass.LoadA(g, a, row, k) * ModulatedConvKernels.DemodulationAt(g, demodulation, hasDemodulation, n, row);
    }

    /// <inheritdoc/>
    public static float LoadB(Conv2dGeometry g, ArrayView<float> b, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, int k, int column) =>
        Conv2dKernels.InputAt(g, b, column, k) * ModulatedConvKernels.StyleAt(g, style, column, k);

    /// <inheritdoc/>
    public static void Store(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> demodulation, int hasDemodulation,
        int row, int column, float value) => c[Conv2dWeightGradientPass.OutputIndex(g, row, column)] = value;
}

/// <summary>
/// ILGPU kernels of StyleGAN2's modulated convolution, <c>y[n] = d[n] * conv2d(s[n] * x[n], w)</c> (the convolution
/// of x[n] with the per-sample weight <c>w[o, i] * s[n, i] * d[n, o]</c>): one tiled implicit-GEMM kernel per pass
/// that applies the factors while gathering its tiles, so no per-sample weight is ever stored, and two small
/// per-plane kernels for the style and demodulation gradients. Launch them through <see cref="ModulatedConvLauncher"/>.
/// </summary>
public static class ModulatedConvKernels
{
    /// <summary>Reduction depth staged in shared memory per step of the tiled kernel.</summary>
    public const int TileDepth = 16;

    /// <summary>Rows and columns of C per thread of the tiled kernel (a 4 x 4 register block).</summary>
    public const int ThreadBlock = 4;

    /// <summary>Largest group side of the tiled kernel (16 x 16 threads); sizes its shared memory.</summary>
    public const int MaxGroupSide = 16;

    private const int MaxTileSide = MaxGroupSide * ThreadBlock;

    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Explicit("ModulatedConv.TiledForward", typeof(ModulatedConvKernels), nameof(Tiled), typeof(ModulatedConvForwardPass)),
        KernelEntry.Explicit("ModulatedConv.TiledInputGradient", typeof(ModulatedConvKernels), nameof(Tiled), typeof(ModulatedConvInputGradientPass)),
        KernelEntry.Explicit("ModulatedConv.TiledWeightGradient", typeof(ModulatedConvKernels), nameof(Tiled), typeof(ModulatedConvWeightGradientPass)),
        KernelEntry.Implicit("ModulatedConv.PlaneDots", typeof(ModulatedConvKernels), nameof(PlaneDots)),
        KernelEntry.Implicit("ModulatedConv.ScalePlanes", typeof(ModulatedConvKernels), nameof(ScalePlanes)),
    ];

    /// <summary>
    /// Tiled implicit GEMM for one pass. A group of (DimX, DimY) threads (sides at most <see cref="MaxGroupSide"/>)
    /// computes a <c>[4 DimY, 4 DimX]</c> tile of C: per step of <see cref="TileDepth"/> it gathers the modulated A and
    /// B tiles into shared memory, then thread (x, y) accumulates rows <c>y + DimY r</c> and columns
    /// <c>x + DimX c</c> (r, c &lt; 4) in registers. Out-of-range elements gather as zero and are not stored.
    /// </summary>
    /// <typeparam name="TPass">The pass: how A, B and the result are addressed and scaled.</typeparam>
    /// <param name="g">The shapes of the convolution.</param>
    /// <param name="a">The A tensor of the pass (w, or dy for the weight gradient).</param>
    /// <param name="b">The B tensor of the pass (x, or dy for the input gradient).</param>
    /// <param name="style">s <c>[N, Cin]</c>.</param>
    /// <param name="demodulation">d <c>[N, Cout]</c>, read only when <paramref name="hasDemodulation"/> is 1.</param>
    /// <param name="hasDemodulation">1 to apply d, 0 for a layer without demodulation.</param>
    /// <param name="c">The result tensor.</param>
    public static void Tiled<TPass>(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> b, ArrayView<float> style,
        ArrayView<float> demodulation, int hasDemodulation, ArrayView<float> c) where TPass : struct, IModulatedConvPass
    {
        var tileA = SharedMemory.Allocate1D<float>(TileDepth * MaxTileSide); // [TileDepth][rows of the tile]
        var tileB = SharedMemory.Allocate1D<float>(TileDepth * MaxTileSide); // [TileDepth][columns of the tile]
        int row0 = Grid.IdxY * Group.DimY * ThreadBlock, column0 = Grid.IdxX * Group.DimX * ThreadBlock;
        int depth = TPass.Depth(g);
        Accumulators acc = default;
        for (int k0 = 0; k0 < depth; k0 += TileDepth)
        {
            StageA<TPass>(g, a, style, demodulation, hasDemodulation, tileA, row0, k0);
            StageB<TPass>(g, b, style, demodulation, hasDemodulation, tileB, column0, k0);
            Group.Barrier();
            for (int q = 0; q < TileDepth; q++)
            {
                acc.Add(tileA, tileB, q * MaxTileSide);
            }

            Group.Barrier();
        }

        int firstRow = row0 + Group.IdxY;
        StoreRow<TPass>(g, c, demodulation, hasDemodulation, firstRow, column0, acc.R0);
        StoreRow<TPass>(g, c, demodulation, hasDemodulation, firstRow + Group.DimY, column0, acc.R1);
        StoreRow<TPass>(g, c, demodulation, hasDemodulation, firstRow + 2 * Group.DimY, column0, acc.R2);
        StoreRow<TPass>(g, c, demodulation, hasDemodulation, firstRow + 3 * Group.DimY, column0, acc.R3);
    }

    /// <summary>Modulated A[row0 .. +4 DimY, k0 .. +TileDepth] into <c>tile[q][i]</c>, depth fastest across threads.</summary>
    private static void StageA<TPass>(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, ArrayView<float> tile, int row0, int k0) where TPass : struct, IModulatedConvPass
    {
        int rows = TPass.Rows(g), depth = TPass.Depth(g);
        for (int e = Group.LinearIndex; e < TileDepth * Group.DimY * ThreadBlock; e += Group.DimX * Group.DimY)
        {
            int q = e % TileDepth, i = e / TileDepth;
            tile[q * MaxTileSide + i] = row0 + i < rows && k0 + q < depth
                ? TPass.LoadA(g, a, style, demodulation, hasDemodulation, row0 + i, k0 + q)
                : 0f;
        }
    }

    /// <summary>Modulated B[k0 .. +TileDepth, column0 .. +4 DimX] into <c>tile[q][j]</c>, columns fastest across threads.</summary>
    private static void StageB<TPass>(Conv2dGeometry g, ArrayView<float> b, ArrayView<float> style, ArrayView<float> demodulation,
        int hasDemodulation, ArrayView<float> tile, int column0, int k0) where TPass : struct, IModulatedConvPass
    {
        int columns = TPass.Columns(g), depth = TPass.Depth(g), tileColumns = Group.DimX * ThreadBlock;
        for (int e = Group.LinearIndex; e < TileDepth * tileColumns; e += Group.DimX * Group.DimY)
        {
            int q = e / tileColumns, j = e % tileColumns;
            tile[q * MaxTileSide + j] = column0 + j < columns && k0 + q < depth
                ? TPass.LoadB(g, b, style, demodulation, hasDemodulation, k0 + q, column0 + j)
                : 0f;
        }
    }

    /// <summary>
    /// One thread per plane p: <c>dots[p] = sum over the plane of a * b</c>, divided by <c>divisor[p]</c> when
    /// <paramref name="divide"/> is 1. Gives <c>ds = sum x * u</c> and <c>dd = sum dy * y / d</c>.
    /// </summary>
    /// <param name="plane">Plane index (n * C + c).</param>
    /// <param name="a">First tensor <c>[planes, planeLength]</c>.</param>
    /// <param name="b">Second tensor <c>[planes, planeLength]</c>.</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <param name="divisor">Per-plane divisor <c>[planes]</c>, read only when <paramref name="divide"/> is 1.</param>
    /// <param name="divide">1 to divide by the divisor, 0 otherwise.</param>
    /// <param name="dots">Result <c>[planes]</c>.</param>
    public static void PlaneDots(Index1D plane, ArrayView<float> a, ArrayView<float> b, int planeLength,
        ArrayView<float> divisor, int divide, ArrayView<float> dots)
    {
        int start = plane * planeLength;
        float sum = 0f;
        for (int i = start; i < start + planeLength; i++)
        {
            sum += a[i] * b[i];
        }

        dots[plane] = divide != 0 ? sum / divisor[plane] : sum;
    }

    /// <summary>One thread per element: <c>x[i] *= factors[i / planeLength]</c> (gives <c>dx = s * u</c> in place).</summary>
    /// <param name="index">Flat element index.</param>
    /// <param name="x">Tensor <c>[planes, planeLength]</c>, scaled in place.</param>
    /// <param name="factors">Per-plane factor <c>[planes]</c>.</param>
    /// <param name="planeLength">Elements per plane.</param>
    public static void ScalePlanes(Index1D index, ArrayView<float> x, ArrayView<float> factors, int planeLength) =>
        x[index] *= factors[index / planeLength];

    /// <summary>s[n, ci] for reduction index <c>(ci, kh, kw)</c> and output column <c>(n, oy, ox)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float StyleAt(Conv2dGeometry g, ArrayView<float> style, int k, int column)
    {
        int n = column / (g.OutHeight * g.OutWidth), ci = k / (g.KernelHeight * g.KernelWidth);
        return style[n * g.InChannels + ci];
    }

    /// <summary>d[n, co], or 1 for a layer without demodulation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float DemodulationAt(Conv2dGeometry g, ArrayView<float> demodulation, int hasDemodulation, int n, int co) =>
        hasDemodulation != 0 ? demodulation[n * g.OutChannels + co] : 1f;

    /// <summary>Stores C[row, column + DimX c] for c &lt; 4, skipping elements outside C.</summary>
    private static void StoreRow<TPass>(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> demodulation, int hasDemodulation,
        int row, int column0, Row values) where TPass : struct, IModulatedConvPass
    {
        if (row >= TPass.Rows(g))
        {
            return;
        }

        int column = column0 + Group.IdxX, stride = Group.DimX;
        StoreOne<TPass>(g, c, demodulation, hasDemodulation, row, column, values.V0);
        StoreOne<TPass>(g, c, demodulation, hasDemodulation, row, column + stride, values.V1);
        StoreOne<TPass>(g, c, demodulation, hasDemodulation, row, column + 2 * stride, values.V2);
        StoreOne<TPass>(g, c, demodulation, hasDemodulation, row, column + 3 * stride, values.V3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreOne<TPass>(Conv2dGeometry g, ArrayView<float> c, ArrayView<float> demodulation, int hasDemodulation,
        int row, int column, float value) where TPass : struct, IModulatedConvPass
    {
        if (column < TPass.Columns(g))
        {
            TPass.Store(g, c, demodulation, hasDemodulation, row, column, value);
        }
    }

    /// <summary>One thread's four accumulators of one row of C.</summary>
    private struct Row
    {
        public float V0, V1, V2, V3;

        /// <summary><c>V[c] += a * b[c]</c>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(float a, float b0, float b1, float b2, float b3)
        {
            V0 += a * b0;
            V1 += a * b1;
            V2 += a * b2;
            V3 += a * b3;
        }
    }

    /// <summary>One thread's 4 x 4 block of C: row r is the thread's row <c>IdxY + DimY r</c> of the tile.</summary>
    private struct Accumulators
    {
        public Row R0, R1, R2, R3;

        /// <summary>Adds the outer product of the thread's four A values and four B values at one depth step.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(ArrayView<float> tileA, ArrayView<float> tileB, int offset)
        {
            int ay = offset + Group.IdxY, bx = offset + Group.IdxX, dy = Group.DimY, dx = Group.DimX;
            float b0 = tileB[bx], b1 = tileB[bx + dx], b2 = tileB[bx + 2 * dx], b3 = tileB[bx + 3 * dx];
            R0.Add(tileA[ay], b0, b1, b2, b3);
            R1.Add(tileA[ay + dy], b0, b1, b2, b3);
            R2.Add(tileA[ay + 2 * dy], b0, b1, b2, b3);
            R3.Add(tileA[ay + 3 * dy], b0, b1, b2, b3);
        }
    }
}

/// <summary>
/// Loads the modulated-convolution kernels once for one accelerator and launches them on its default stream with
/// host-side shape checks (kernels cannot throw). Buffers are NCHW views of exactly the lengths the geometry gives;
/// an empty demodulation view means a layer without demodulation.
/// </summary>
public sealed class ModulatedConvLauncher
{
    private readonly Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _forward;
    private readonly Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _inputGradient;
    private readonly Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>> _weightGradient;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>> _planeDots;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _scalePlanes;
    private readonly int _groupSide;

    /// <summary>Compiles and loads every kernel of the family for <paramref name="accelerator"/>.</summary>
    public ModulatedConvLauncher(Accelerator accelerator)
    {
        _forward = LoadTiled<ModulatedConvForwardPass>(accelerator);
        _inputGradient = LoadTiled<ModulatedConvInputGradientPass>(accelerator);
        _weightGradient = LoadTiled<ModulatedConvWeightGradientPass>(accelerator);
        _planeDots = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int,
            ArrayView<float>>(ModulatedConvKernels.PlaneDots);
        _scalePlanes = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(ModulatedConvKernels.ScalePlanes);
        _groupSide = ModulatedConvKernels.MaxGroupSide;
        while (_groupSide * _groupSide > accelerator.MaxNumThreadsPerGroup)
        {
            _groupSide /= 2;
        }
    }

    /// <summary><c>y[n] = d[n] * conv2d(s[n] * x[n], w)</c>.</summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="style">s <c>[N, Cin]</c>.</param>
    /// <param name="demodulation">d <c>[N, Cout]</c>, or an empty view for none.</param>
    /// <param name="y">Output <c>[N, Cout, Ho, Wo]</c> (overwritten).</param>
    /// <param name="g">The shapes of the convolution.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> style, ArrayView<float> demodulation,
        ArrayView<float> y, in Conv2dGeometry g)
    {
        CheckCommon(g, x, w, style, demodulation);
        g.CheckLength(nameof(y), y.Length, g.OutputLength);
        _forward(Config<ModulatedConvForwardPass>(g), g, w, x, style, OrUnread(demodulation, style), Flag(demodulation), y);
    }

    /// <summary>
    /// The gradients of <see cref="Forward"/> with respect to x, w, s and d, each computed only when its view is not
    /// empty. The style gradient is computed from the input-gradient pass, so it needs <paramref name="dx"/> too (as
    /// scratch when the caller has no use for it).
    /// </summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="style">s <c>[N, Cin]</c>.</param>
    /// <param name="demodulation">d <c>[N, Cout]</c>, or an empty view for none.</param>
    /// <param name="y">Forward output <c>[N, Cout, Ho, Wo]</c>; read only for the demodulation gradient.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="dx">Input gradient <c>[N, Cin, H, W]</c> (overwritten), or empty.</param>
    /// <param name="dw">Weight gradient <c>[Cout, Cin, Kh, Kw]</c> (overwritten), or empty.</param>
    /// <param name="dstyle">Style gradient <c>[N, Cin]</c> (overwritten), or empty.</param>
    /// <param name="ddemodulation">Demodulation gradient <c>[N, Cout]</c> (overwritten), or empty; needs d.</param>
    /// <param name="g">The shapes of the convolution.</param>
    /// <exception cref="ArgumentException">A view length does not match, ds is asked for without dx, or dd without d.</exception>
    public void Backward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> style, ArrayView<float> demodulation,
        ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> dw, ArrayView<float> dstyle,
        ArrayView<float> ddemodulation, in Conv2dGeometry g)
    {
        CheckBackward(g, x, w, style, demodulation, y, dy, dx, dw, dstyle, ddemodulation);
        var demodulationOrUnread = OrUnread(demodulation, style);
        int hasDemodulation = Flag(demodulation);
        if (ddemodulation.Length > 0)
        {
            _planeDots((int)demodulation.Length, dy, y, g.OutHeight * g.OutWidth, demodulation, 1, ddemodulation);
        }

        if (dx.Length > 0)
        {
            int plane = g.Height * g.Width;
            _inputGradient(Config<ModulatedConvInputGradientPass>(g), g, w, dy, style, demodulationOrUnread, hasDemodulation, dx);
            if (dstyle.Length > 0)
            {
                _planeDots((int)style.Length, x, dx, plane, style, 0, dstyle);
            }

            _scalePlanes(g.InputLength, dx, style, plane);
        }

        if (dw.Length > 0)
        {
            _weightGradient(Config<ModulatedConvWeightGradientPass>(g), g, dy, x, style, demodulationOrUnread, hasDemodulation, dw);
        }
    }

    private static void CheckBackward(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> w, ArrayView<float> style,
        ArrayView<float> demodulation, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> dw,
        ArrayView<float> dstyle, ArrayView<float> ddemodulation)
    {
        CheckCommon(g, x, w, style, demodulation);
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        CheckOptional(g, nameof(dx), dx.Length, g.InputLength);
        CheckOptional(g, nameof(dw), dw.Length, g.WeightLength);
        CheckOptional(g, nameof(dstyle), dstyle.Length, style.Length);
        if (dstyle.Length > 0 && dx.Length == 0)
        {
            throw new ArgumentException($"Modulated conv: the style gradient needs an input-gradient view as scratch; {g}.", nameof(dx));
        }

        if (ddemodulation.Length > 0)
        {
            if (demodulation.Length == 0)
            {
                throw new ArgumentException($"Modulated conv: a demodulation gradient needs demodulation factors; {g}.", nameof(ddemodulation));
            }

            g.CheckLength(nameof(y), y.Length, g.OutputLength);
            g.CheckLength(nameof(ddemodulation), ddemodulation.Length, demodulation.Length);
        }
    }

    private static void CheckOptional(in Conv2dGeometry g, string name, long actual, long expected)
    {
        if (actual != 0)
        {
            g.CheckLength(name, actual, expected);
        }
    }

    private static void CheckCommon(in Conv2dGeometry g, ArrayView<float> x, ArrayView<float> w, ArrayView<float> style,
        ArrayView<float> demodulation)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        ModulatedConvShapes.CheckModulation(g, style.Length, demodulation.Length);
    }

    /// <summary>The demodulation view, or a valid view the kernels never read when there is none.</summary>
    private static ArrayView<float> OrUnread(ArrayView<float> demodulation, ArrayView<float> unread) =>
        demodulation.Length > 0 ? demodulation : unread;

    private static int Flag(ArrayView<float> demodulation) => demodulation.Length > 0 ? 1 : 0;

    private static Action<KernelConfig, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>
        LoadTiled<TPass>(Accelerator accelerator) where TPass : struct, IModulatedConvPass =>
        accelerator.LoadStreamKernel<Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int,
            ArrayView<float>>(ModulatedConvKernels.Tiled<TPass>);

    private KernelConfig Config<TPass>(in Conv2dGeometry g) where TPass : struct, IModulatedConvPass
    {
        int tile = _groupSide * ModulatedConvKernels.ThreadBlock;
        var grid = new Index2D((TPass.Columns(g) + tile - 1) / tile, (TPass.Rows(g) + tile - 1) / tile);
        return new KernelConfig(grid, new Index2D(_groupSide, _groupSide));
    }
}
