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

    /// <summary>Index of C[row, column] in the result tensor.</summary>
    static abstract int OutputIndex(Conv2dGeometry g, int row, int column);

    /// <summary>The factor C[row, column] is multiplied by before it is stored.</summary>
    static abstract float OutputFactor(Conv2dGeometry g, ArrayView<float> demodulation, int hasDemodulation, int row, int column);
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
    public static int OutputIndex(Conv2dGeometry g, int row, int column) => Conv2dForwardPass.OutputIndex(g, row, column);

    /// <inheritdoc/>
    public static float OutputFactor(Conv2dGeometry g, ArrayView<float> demodulation, int hasDemodulation, int row, int column) =>
        ModulatedConvKernels.DemodulationAt(g, demodulation, hasDemodulation, column / (g.OutHeight * g.OutWidth), row);
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
    public static int OutputIndex(Conv2dGeometry g, int row, int column) => Conv2dInputGradientPass.OutputIndex(g, row, column);

    /// <inheritdoc/>
    public static float OutputFactor(Conv2dGeometry g, ArrayView<float> demodulation, int hasDemodulation, int row, int column) => 1f;
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
    public static int OutputIndex(Conv2dGeometry g, int row, int column) => Conv2dWeightGradientPass.OutputIndex(g, row, column);

    /// <inheritdoc/>
    public static float OutputFactor(Conv2dGeometry g, ArrayView<float> demodulation, int hasDemodulation, int row, int column) => 1f;
}

/// <summary>One pass of a modulated convolution as a product for <see cref="TiledProductKernel"/>.</summary>
/// <typeparam name="TPass">The pass: how A, B and the result are addressed and scaled.</typeparam>
/// <param name="g">The shapes of the convolution.</param>
/// <param name="a">The A tensor of the pass (w, or dy for the weight gradient).</param>
/// <param name="b">The B tensor of the pass (x, or dy for the input gradient).</param>
/// <param name="style">s <c>[N, Cin]</c>.</param>
/// <param name="demodulation">d <c>[N, Cout]</c>, read only when <paramref name="hasDemodulation"/> is 1.</param>
/// <param name="hasDemodulation">1 to apply d, 0 for a layer without demodulation.</param>
public readonly struct ModulatedConvProduct<TPass>(Conv2dGeometry g, ArrayView<float> a, ArrayView<float> b, ArrayView<float> style,
    ArrayView<float> demodulation, int hasDemodulation) : ITiledProduct where TPass : struct, IModulatedConvPass
{
    private readonly Conv2dGeometry _g = g;
    private readonly ArrayView<float> _a = a, _b = b, _style = style, _demodulation = demodulation;
    private readonly int _hasDemodulation = hasDemodulation;

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
    public float LoadA(int row, int k) => TPass.LoadA(_g, _a, _style, _demodulation, _hasDemodulation, row, k);

    /// <inheritdoc/>
    public float LoadB(int k, int column) => TPass.LoadB(_g, _b, _style, _demodulation, _hasDemodulation, k, column);

    /// <inheritdoc/>
    public int OutputIndex(int row, int column) => TPass.OutputIndex(_g, row, column);

    /// <inheritdoc/>
    public float OutputFactor(int row, int column) => TPass.OutputFactor(_g, _demodulation, _hasDemodulation, row, column);
}

/// <summary>
/// ILGPU kernels of StyleGAN2's modulated convolution, <c>y[n] = d[n] * conv2d(s[n] * x[n], w)</c> (the convolution
/// of x[n] with the per-sample weight <c>w[o, i] * s[n, i] * d[n, o]</c>): one tiled implicit-GEMM kernel per pass
/// that applies the factors while gathering its tiles, so no per-sample weight is ever stored, and two small
/// per-plane kernels for the style and demodulation gradients. Launch them through <see cref="ModulatedConvLauncher"/>.
/// </summary>
public static class ModulatedConvKernels
{
    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        .. TiledProductLauncher<ModulatedConvProduct<ModulatedConvForwardPass>>.Entries("ModulatedConv.TiledForward"),
        .. TiledProductLauncher<ModulatedConvProduct<ModulatedConvInputGradientPass>>.Entries("ModulatedConv.TiledInputGradient"),
        .. TiledProductLauncher<ModulatedConvProduct<ModulatedConvWeightGradientPass>>.Entries("ModulatedConv.TiledWeightGradient"),
        KernelEntry.Implicit("ModulatedConv.PlaneDots", typeof(ModulatedConvKernels), nameof(PlaneDots)),
        KernelEntry.Implicit("ModulatedConv.ScalePlanes", typeof(ModulatedConvKernels), nameof(ScalePlanes)),
    ];

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
}

/// <summary>
/// Loads the modulated-convolution kernels once for one accelerator and launches them on its default stream with
/// host-side shape checks (kernels cannot throw). Buffers are NCHW views of exactly the lengths the geometry gives;
/// an empty demodulation view means a layer without demodulation.
/// </summary>
public sealed class ModulatedConvLauncher
{
    private readonly TiledProductLauncher<ModulatedConvProduct<ModulatedConvForwardPass>> _forward;
    private readonly TiledProductLauncher<ModulatedConvProduct<ModulatedConvInputGradientPass>> _inputGradient;
    private readonly TiledProductLauncher<ModulatedConvProduct<ModulatedConvWeightGradientPass>> _weightGradient;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int, ArrayView<float>> _planeDots;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _scalePlanes;

    /// <summary>Compiles and loads every kernel of the family for <paramref name="accelerator"/>.</summary>
    public ModulatedConvLauncher(Accelerator accelerator)
    {
        _forward = new(accelerator);
        _inputGradient = new(accelerator);
        _weightGradient = new(accelerator);
        _planeDots = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, ArrayView<float>, int,
            ArrayView<float>>(ModulatedConvKernels.PlaneDots);
        _scalePlanes = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(ModulatedConvKernels.ScalePlanes);
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
        _forward.Launch(new(g, w, x, style, OrUnread(demodulation, style), Flag(demodulation)), ProductEpilogue.Plain(style), y);
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
            _inputGradient.Launch(new(g, w, dy, style, demodulationOrUnread, hasDemodulation), ProductEpilogue.Plain(style), dx);
            if (dstyle.Length > 0)
            {
                _planeDots((int)style.Length, x, dx, plane, style, 0, dstyle);
            }

            _scalePlanes(g.InputLength, dx, style, plane);
        }

        if (dw.Length > 0)
        {
            _weightGradient.Launch(new(g, dy, x, style, demodulationOrUnread, hasDemodulation), ProductEpilogue.Plain(style), dw);
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
}
