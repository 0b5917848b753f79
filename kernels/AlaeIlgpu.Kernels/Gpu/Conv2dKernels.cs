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

/// <summary>One pass of a convolution as a product for <see cref="TiledProductKernel"/>: A and B gathered by the pass.</summary>
/// <typeparam name="TPass">The pass: how A, B and the result are addressed.</typeparam>
/// <param name="g">The shapes of the convolution.</param>
/// <param name="a">The A tensor of the pass (w, or dy for the weight gradient).</param>
/// <param name="b">The B tensor of the pass (x, or dy for the input gradient).</param>
public readonly struct Conv2dProduct<TPass>(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> b) : ITiledProduct
    where TPass : struct, IConv2dPass
{
    private readonly Conv2dGeometry _g = g;
    private readonly ArrayView<float> _a = a, _b = b;

    /// <inheritdoc/>
    public int Rows => TPass.Rows(_g);

    /// <inheritdoc/>
    public int Columns => TPass.Columns(_g);

    /// <inheritdoc/>
    public int Depth => TPass.Depth(_g);

    /// <inheritdoc/>
    public bool ADepthContiguous => true;

    /// <inheritdoc/>
    public bool BDepthContiguous => false;

    /// <inheritdoc/>
    public bool AQuads => false;

    /// <inheritdoc/>
    public bool BQuads => false;

    /// <inheritdoc/>
    public Float4 LoadA4(int row, int k) => new(LoadA(row, k), LoadA(row, k + 1), LoadA(row, k + 2), LoadA(row, k + 3));

    /// <inheritdoc/>
    public Float4 LoadB4(int k, int column) => new(LoadB(k, column), LoadB(k + 1, column), LoadB(k + 2, column), LoadB(k + 3, column));

    /// <inheritdoc/>
    public float LoadA(int row, int k) => TPass.LoadA(_g, _a, row, k);

    /// <inheritdoc/>
    public float LoadB(int k, int column) => TPass.LoadB(_g, _b, k, column);

    /// <inheritdoc/>
    public int OutputIndex(int row, int column) => TPass.OutputIndex(_g, row, column);

    /// <inheritdoc/>
    public float OutputFactor(int row, int column) => 1f;
}

/// <summary>
/// ILGPU kernels of the Conv2d family (NCHW cross-correlation): a tiled implicit-GEMM kernel per pass and the bias
/// gradient (the naive baselines live with the tests and benchmarks). Launch them through <see cref="Conv2dLauncher"/>.
/// </summary>
public static class Conv2dKernels
{
    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Conv2d.BiasGradient", typeof(Conv2dKernels), nameof(BiasGradient)),
        .. TiledProductLauncher<Conv2dProduct<Conv2dForwardPass>>.Entries("Conv2d.TiledForward"),
        .. TiledProductLauncher<Conv2dProduct<Conv2dInputGradientPass>>.Entries("Conv2d.TiledInputGradient"),
        .. TiledProductLauncher<Conv2dProduct<Conv2dWeightGradientPass>>.Entries("Conv2d.TiledWeightGradient"),
    ];

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
}

/// <summary>
/// Loads the Conv2d kernels once for one accelerator and launches them on its default stream with host-side shape
/// checks (kernels cannot throw). Buffers are NCHW views of exactly the lengths the geometry gives.
/// </summary>
public sealed class Conv2dLauncher
{
    private readonly Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>> _biasGradient;
    private readonly TiledProductLauncher<Conv2dProduct<Conv2dForwardPass>> _tiledForward;
    private readonly TiledProductLauncher<Conv2dProduct<Conv2dInputGradientPass>> _tiledInputGradient;
    private readonly TiledProductLauncher<Conv2dProduct<Conv2dWeightGradientPass>> _tiledWeightGradient;

    /// <summary>
    /// Prepares the family's kernels for <paramref name="accelerator"/> (the tiled ones compile per tile shape on their
    /// first launch).
    /// </summary>
    public Conv2dLauncher(Accelerator accelerator)
    {
        _biasGradient = accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>>(
            Conv2dKernels.BiasGradient);
        _tiledForward = new(accelerator);
        _tiledInputGradient = new(accelerator);
        _tiledWeightGradient = new(accelerator);
    }

    /// <summary><c>y = conv2d(x, w) + bias</c>.</summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="bias">Bias <c>[Cout]</c>, or an empty view for none.</param>
    /// <param name="y">Output <c>[N, Cout, Ho, Wo]</c> (overwritten).</param>
    /// <param name="g">The shapes.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, in Conv2dGeometry g)
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
        ForwardFused(x, w, y, g, ProductEpilogue.Fused(biasOrUnread, hasBias != 0 ? BiasAxis.Rows : BiasAxis.None, 1f, 1f));
    }

    /// <summary>
    /// One launch of a convolution layer with the tiled kernel: <c>y = act(scale * conv2d(x, w) + bias)</c>, the
    /// bias (one per output channel: <see cref="BiasAxis.Rows"/>), scale and activation as <paramref name="epilogue"/> says.
    /// </summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="y">Output <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="g">The shapes.</param>
    /// <param name="epilogue">What happens to each output element.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry, or the bias is not per row.</exception>
    public void ForwardFused(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, in Conv2dGeometry g, ProductEpilogue epilogue)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        g.CheckLength(nameof(y), y.Length, g.OutputLength);
        if (epilogue.Axis == (int)BiasAxis.Columns)
        {
            throw new ArgumentException($"Conv2d bias runs along the output channels (BiasAxis.Rows); {g}.", nameof(epilogue));
        }

        if (epilogue.Axis == (int)BiasAxis.Rows)
        {
            g.CheckLength("bias", epilogue.Bias.Length, g.OutChannels);
        }

        _tiledForward.Launch(new Conv2dProduct<Conv2dForwardPass>(g, w, x), epilogue, y);
    }

    /// <summary><c>dx = conv2d_input_grad(dy, w)</c>, the adjoint of <see cref="Forward"/> in x.</summary>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="dx">Input gradient <c>[N, Cin, H, W]</c> (overwritten).</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void InputGradient(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, in Conv2dGeometry g)
    {
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        g.CheckLength(nameof(dx), dx.Length, g.InputLength);
        _tiledInputGradient.Launch(new Conv2dProduct<Conv2dInputGradientPass>(g, w, dy), ProductEpilogue.Plain(w), dx);
    }

    /// <summary>
    /// Transposed convolution (<c>conv_transpose2d</c>, output padding 0) for a geometry from
    /// <see cref="Conv2dGeometry.ForTransposed"/>: the same computation as <see cref="InputGradient"/>.
    /// </summary>
    /// <param name="x">Input, shaped like the geometry's output.</param>
    /// <param name="w">Weight <c>[Cin_t, Cout_t, K, K]</c>, shaped like the geometry's weight.</param>
    /// <param name="y">Output, shaped like the geometry's input (overwritten).</param>
    /// <param name="g">The geometry of the convolution this is the adjoint of.</param>
    public void TransposedForward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> y, in Conv2dGeometry g) => InputGradient(x, w, y, g);

    /// <summary><c>dw = sum over the batch of dy (*) x</c> and, for a non-empty <paramref name="db"/>, <c>db = sum dy</c>.</summary>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="dw">Weight gradient <c>[Cout, Cin, Kh, Kw]</c> (overwritten).</param>
    /// <param name="db">Bias gradient <c>[Cout]</c> (overwritten), or an empty view to skip it.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <exception cref="ArgumentException">A view length does not match the geometry.</exception>
    public void WeightGradient(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db, in Conv2dGeometry g)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        g.CheckLength(nameof(dw), dw.Length, g.WeightLength);
        if (db.Length > 0)
        {
            g.CheckLength(nameof(db), db.Length, g.OutChannels);
            _biasGradient(g.OutChannels, g, dy, db);
        }

        _tiledWeightGradient.Launch(new Conv2dProduct<Conv2dWeightGradientPass>(g, dy, x), ProductEpilogue.Plain(dy), dw);
    }
}
