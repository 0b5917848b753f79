using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Gpu;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Tests.Reference;

/// <summary>
/// Naive one-thread-per-output ILGPU kernels of GEMM and the three convolution passes: the baselines the tiled product
/// kernel is tested (on the simulator) and benchmarked (on CUDA) against. They live with the tests (and are linked
/// into the benchmarks), never in production launchers.
/// </summary>
public static class NaiveGpuKernels
{
    /// <summary>The kernels, for the PTX and OpenCL compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Implicit("Naive.Gemm", typeof(NaiveGpuKernels), nameof(Gemm)),
        KernelEntry.Implicit("Naive.Conv2dForward", typeof(NaiveGpuKernels), nameof(Conv2dForward)),
        KernelEntry.Implicit("Naive.Conv2dInputGradient", typeof(NaiveGpuKernels), nameof(Conv2dInputGradient)),
        KernelEntry.Implicit("Naive.Conv2dWeightGradient", typeof(NaiveGpuKernels), nameof(Conv2dWeightGradient)),
    ];

    /// <summary>GEMM: the thread at (X = j, Y = i) computes C[i, j] as a dot product over K.</summary>
    /// <param name="index">(column j, row i) of C; the launch extent is (N, M).</param>
    /// <param name="p">Shapes and strides.</param>
    /// <param name="a">A, <c>[M, K]</c> or <c>[K, M]</c>.</param>
    /// <param name="b">B, <c>[K, N]</c> or <c>[N, K]</c>.</param>
    /// <param name="c">C, <c>[M, N]</c>.</param>
    public static void Gemm(Index2D index, GemmParams p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c)
    {
        int j = index.X, i = index.Y;
        float sum = 0f;
        for (int q = 0; q < p.K; q++) sum += p.A(a, i, q) * p.B(b, q, j);
        p.Store(c, i, j, sum);
    }

    /// <summary>Convolution forward: one thread per element of y <c>[N, Cout, Ho, Wo]</c>, bias added when <paramref name="hasBias"/> is 1.</summary>
    /// <param name="index">Flat output index.</param>
    /// <param name="g">The shapes.</param>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="bias">Bias <c>[Cout]</c>, read only when <paramref name="hasBias"/> is 1.</param>
    /// <param name="hasBias">1 to add the bias, 0 otherwise.</param>
    /// <param name="y">Output <c>[N, Cout, Ho, Wo]</c>.</param>
    public static void Conv2dForward(Index1D index, Conv2dGeometry g, ArrayView<float> x, ArrayView<float> w,
        ArrayView<float> bias, int hasBias, ArrayView<float> y)
    {
        int i = index, plane = g.OutHeight * g.OutWidth;
        int column = i / (g.OutChannels * plane) * plane + i % plane;
        int co = i / plane % g.OutChannels;
        float sum = hasBias != 0 ? bias[co] : 0f;
        for (int k = 0; k < Conv2dForwardPass.Depth(g); k++)
            sum += Conv2dForwardPass.LoadA(g, w, co, k) * Conv2dForwardPass.LoadB(g, x, k, column);
        y[i] = sum;
    }

    /// <summary>Convolution input gradient: one thread per element of dx <c>[N, Cin, H, W]</c>.</summary>
    /// <param name="index">Flat index into dx.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="w">Weight <c>[Cout, Cin, Kh, Kw]</c>.</param>
    /// <param name="dx">Input gradient <c>[N, Cin, H, W]</c>.</param>
    public static void Conv2dInputGradient(Index1D index, Conv2dGeometry g, ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx)
    {
        int i = index, plane = g.Height * g.Width;
        int column = i / (g.InChannels * plane) * plane + i % plane;
        int ci = i / plane % g.InChannels;
        float sum = 0f;
        for (int k = 0; k < Conv2dInputGradientPass.Depth(g); k++)
            sum += Conv2dInputGradientPass.LoadA(g, w, ci, k) * Conv2dInputGradientPass.LoadB(g, dy, k, column);
        dx[i] = sum;
    }

    /// <summary>Convolution weight gradient: one thread per element of dw <c>[Cout, Cin, Kh, Kw]</c>, summing over n, oy, ox.</summary>
    /// <param name="index">Flat index into dw.</param>
    /// <param name="g">The shapes of the forward convolution.</param>
    /// <param name="x">Input <c>[N, Cin, H, W]</c>.</param>
    /// <param name="dy">Output gradient <c>[N, Cout, Ho, Wo]</c>.</param>
    /// <param name="dw">Weight gradient <c>[Cout, Cin, Kh, Kw]</c>.</param>
    public static void Conv2dWeightGradient(Index1D index, Conv2dGeometry g, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw)
    {
        int i = index, columns = Conv2dWeightGradientPass.Columns(g);
        int co = i / columns, column = i % columns;
        float sum = 0f;
        for (int k = 0; k < Conv2dWeightGradientPass.Depth(g); k++)
            sum += Conv2dWeightGradientPass.LoadA(g, dy, co, k) * Conv2dWeightGradientPass.LoadB(g, x, k, column);
        dw[i] = sum;
    }
}

/// <summary>
/// Launches <see cref="NaiveGpuKernels"/> on one accelerator with the production launchers' shape checks; each kernel
/// compiles on its first launch. Launches are queued on the default stream.
/// </summary>
public sealed class NaiveGpuLauncher(Accelerator accelerator)
{
    private readonly Lazy<Action<Index2D, GemmParams, ArrayView<float>, ArrayView<float>, ArrayView<float>>> _gemm = new(() =>
        accelerator.LoadAutoGroupedStreamKernel<Index2D, GemmParams, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NaiveGpuKernels.Gemm));
    private readonly Lazy<Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>> _forward = new(() =>
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, ArrayView<float>>(
            NaiveGpuKernels.Conv2dForward));
    private readonly Lazy<Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>>> _inputGradient = new(() =>
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NaiveGpuKernels.Conv2dInputGradient));
    private readonly Lazy<Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>>> _weightGradient = new(() =>
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>, ArrayView<float>>(NaiveGpuKernels.Conv2dWeightGradient));
    private readonly Lazy<Action<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>>> _biasGradient = new(() =>
        accelerator.LoadAutoGroupedStreamKernel<Index1D, Conv2dGeometry, ArrayView<float>, ArrayView<float>>(Conv2dKernels.BiasGradient));

    /// <summary>Row-major <c>C (+)= op(A) op(B)</c>, as <see cref="GemmLauncher.Multiply"/>.</summary>
    public void Multiply(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        var p = GemmLauncher.Validate(a, b, c, m, n, k, transA, transB, accumulate);
        if (m > 0 && n > 0) _gemm.Value(new Index2D(n, m), p, a, b, c);
    }

    /// <summary><c>y = conv2d(x, w) + bias</c> (an empty bias for none), as <see cref="Conv2dLauncher.Forward"/>.</summary>
    public void Forward(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> y, Conv2dGeometry g)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        g.CheckLength(nameof(y), y.Length, g.OutputLength);
        if (bias.Length > 0) g.CheckLength(nameof(bias), bias.Length, g.OutChannels);
        _forward.Value(g.OutputLength, g, x, w, bias.Length > 0 ? bias : w, bias.Length > 0 ? 1 : 0, y);
    }

    /// <summary><c>dx</c> of the convolution, as <see cref="Conv2dLauncher.InputGradient"/>.</summary>
    public void InputGradient(ArrayView<float> dy, ArrayView<float> w, ArrayView<float> dx, Conv2dGeometry g)
    {
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        g.CheckLength(nameof(w), w.Length, g.WeightLength);
        g.CheckLength(nameof(dx), dx.Length, g.InputLength);
        _inputGradient.Value(g.InputLength, g, dy, w, dx);
    }

    /// <summary><c>dw</c> and, for a non-empty <paramref name="db"/>, <c>db</c>, as <see cref="Conv2dLauncher.WeightGradient"/>.</summary>
    public void WeightGradient(ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dw, ArrayView<float> db, Conv2dGeometry g)
    {
        g.CheckLength(nameof(x), x.Length, g.InputLength);
        g.CheckLength(nameof(dy), dy.Length, g.OutputLength);
        g.CheckLength(nameof(dw), dw.Length, g.WeightLength);
        if (db.Length > 0)
        {
            g.CheckLength(nameof(db), db.Length, g.OutChannels);
            _biasGradient.Value(g.OutChannels, g, dy, db);
        }
        _weightGradient.Value(g.WeightLength, g, x, dy, dw);
    }
}
