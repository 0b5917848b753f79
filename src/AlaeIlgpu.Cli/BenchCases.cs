using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Cli;

/// <summary>
/// One timed case of <c>alae bench</c>: a kind the PyTorch peer (<c>benchmarks/gpu/torch_peer.py</c>) knows, its
/// dimensions in the order that kind reads them, the floating-point operations of one run, and the run itself.
/// </summary>
/// <param name="Kind"><c>gemm</c> (m, n, k, transA, transB), <c>conv</c> (N, Cin, H, W, Cout, K, stride, padding;
/// forward and backward), <c>modconv</c> (N, Cin, size, Cout; 3x3, forward and backward) or <c>mlp_step</c> (batch, hidden width).</param>
/// <param name="Dims">The dimensions.</param>
/// <param name="Flop">Floating-point operations of one run (0 where not counted: the training iteration).</param>
/// <param name="Run">Queues one run on the device (the caller synchronizes).</param>
public sealed record BenchCase(string Kind, int[] Dims, double Flop, Action Run)
{
    /// <summary>The case's name: kind and dimensions, as the ratio table shows it.</summary>
    public string Name => $"{Kind} {string.Join("x", Dims)}";
}

/// <summary>The cases of <c>alae bench</c>: the shapes of Perf_Gemm, Perf_Conv2d (with StyleALAE's), Perf_ModConv and Perf_TrainStep.</summary>
public static class BenchCases
{
    /// <summary>The full-size cases (for a GPU), or tiny ones that prove the plumbing on the CPU simulator.</summary>
    /// <param name="backend">Where the cases run; their buffers live there until the process ends.</param>
    /// <param name="tiny">Small shapes instead of the measured ones.</param>
    public static IEnumerable<BenchCase> Create(Backend backend, bool tiny)
    {
        foreach (var c in Kernels(backend, tiny)) yield return c;
        yield return MlpStep(backend, tiny ? [8, 32] : [128, 1024]);
    }

    /// <summary>The GEMM, conv and modulated-conv cases of <see cref="Create"/>: the ones the GPU's tiled kernel runs.</summary>
    /// <param name="backend">Where the cases run; their buffers live there until the process ends.</param>
    /// <param name="tiny">Small shapes instead of the measured ones.</param>
    public static IEnumerable<BenchCase> Kernels(Backend backend, bool tiny)
    {
        int[][] gemms = tiny
            ? [[64, 48, 32, 0, 0], [32, 40, 24, 1, 0], [24, 32, 40, 0, 1]]
            : [[1024, 1024, 1024, 0, 0], [512, 512, 512, 0, 0], [128, 1024, 784, 0, 0], [784, 1024, 128, 1, 0], [128, 784, 1024, 0, 1]];
        int[][] convs = tiny
            ? [[2, 4, 8, 8, 8, 3, 1, 1], [2, 8, 8, 8, 4, 3, 2, 1]]
            : [[32, 64, 32, 32, 64, 3, 1, 1], [32, 64, 32, 32, 128, 3, 1, 1], [32, 128, 16, 16, 128, 3, 1, 1], [128, 128, 16, 16, 128, 3, 1, 1]];
        int[][] modconvs = tiny ? [[2, 8, 8, 8]] : [[8, 128, 16, 128], [32, 64, 32, 64]];
        foreach (var d in gemms) yield return Gemm(backend, d);
        foreach (var d in convs) yield return Conv(backend, d);
        foreach (var d in modconvs) yield return ModConv(backend, d);
    }

    private static BenchCase Gemm(Backend backend, int[] d)
    {
        int m = d[0], n = d[1], k = d[2];
        Storage a = Normal(backend, m * k, 1), b = Normal(backend, k * n, 2), c = backend.Allocate(m * n);
        return new BenchCase("gemm", d, 2.0 * m * n * k, () => backend.Gemm(a, b, c, m, n, k, d[3] != 0, d[4] != 0, GemmEpilogue.Overwrite));
    }

    // Forward with bias, input gradient, weight and bias gradient: three passes of 2 * N * Cout * Cin * K^2 * Ho * Wo.
    private static BenchCase Conv(Backend backend, int[] d)
    {
        var g = Conv2dGeometry.Create(d[0], d[1], d[2], d[3], d[4], d[5], d[5], d[6], d[7]);
        Storage x = Normal(backend, g.InputLength, 3), w = Normal(backend, g.WeightLength, 4), bias = Normal(backend, g.OutChannels, 5);
        Storage y = backend.Allocate(g.OutputLength), dy = Normal(backend, g.OutputLength, 6);
        Storage dx = backend.Allocate(g.InputLength), dw = backend.Allocate(g.WeightLength), db = backend.Allocate(g.OutChannels);
        return new BenchCase("conv", d, 3 * PassFlop(g), () =>
        {
            backend.Conv2dForward(x, w, bias, y, g);
            backend.Conv2dInputGradient(dy, w, dx, g);
            backend.Conv2dWeightGradient(x, dy, dw, db, g);
        });
    }

    // Forward, then the gradients in x, w, style and demodulation: three convolution passes.
    private static BenchCase ModConv(Backend backend, int[] d)
    {
        var g = Conv2dGeometry.Create(d[0], d[1], d[2], d[2], d[3], 3, 3, 1, 1);
        Storage x = Normal(backend, g.InputLength, 7), w = Normal(backend, g.WeightLength, 8), style = Normal(backend, d[0] * d[1], 9);
        Storage demodulation = Normal(backend, d[0] * d[3], 10), y = backend.Allocate(g.OutputLength), dy = Normal(backend, g.OutputLength, 11);
        Storage dx = backend.Allocate(g.InputLength), dw = backend.Allocate(g.WeightLength);
        Storage ds = backend.Allocate(d[0] * d[1]), dd = backend.Allocate(d[0] * d[3]);
        return new BenchCase("modconv", d, 3 * PassFlop(g), () =>
        {
            backend.ModulatedConv2d(x, w, style, demodulation, y, g);
            backend.ModulatedConv2dBackward(x, w, style, demodulation, y, dy, dx, dw, ds, dd, g);
        });
    }

    // One MLP ALAE iteration (three steps with R1, the EMA update) on the embedded digits; the paper's sizes but for
    // the hidden width, which the tiny case narrows.
    private static BenchCase MlpStep(Backend backend, int[] d)
    {
        var config = new MlpAlaeConfig { Model = new MlpModelConfig { HiddenSize = d[1] }, Training = new MlpTrainingConfig { BatchSize = d[0] } };
        var (train, _) = MlpData.Load(config);
        var trainer = new MlpAlaeTrainer(config, backend, train.Images, train.PixelCount);
        return new BenchCase("mlp_step", d, 0, () => trainer.TrainIteration());
    }

    private static double PassFlop(in Conv2dGeometry g) =>
        2.0 * g.Batch * g.OutChannels * g.InChannels * g.KernelHeight * g.KernelWidth * g.OutHeight * g.OutWidth;

    private static Storage Normal(Backend backend, int length, ulong seed)
    {
        var storage = backend.Allocate(length);
        backend.Random(storage, seed, 0, normal: true);
        return storage;
    }
}
