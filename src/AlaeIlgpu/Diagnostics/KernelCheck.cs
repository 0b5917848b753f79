using System.Diagnostics;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Diagnostics;

/// <summary>One row of <c>alae check</c>: a kernel run on two backends from the same seeded inputs.</summary>
/// <param name="Kernel">What ran.</param>
/// <param name="MaxDifference">Largest |device - reference| over the output, relative to max(1, |reference|).</param>
/// <param name="Milliseconds">Wall time on the device under test, including synchronisation.</param>
/// <param name="Passed">Whether the difference is within <see cref="KernelCheck.Tolerance"/>.</param>
public sealed record KernelCheckResult(string Kernel, double MaxDifference, double Milliseconds, bool Passed);

/// <summary>
/// Runs every engine kernel on a device and on a reference backend with the same seeded inputs and compares them:
/// the check a user runs after installing a GPU (<c>alae check --device cuda</c>).
/// </summary>
public static class KernelCheck
{
    /// <summary>
    /// Allowed relative difference: float32 kernels that sum in a different order (tiled GEMM, tree reductions) or use
    /// approximate transcendental instructions (PTX ex2.approx) differ by a few ulps times the reduction length.
    /// </summary>
    public const double Tolerance = 1e-3;

    /// <summary>A named case: builds its output from inputs made by the given backend's generator.</summary>
    public sealed record Case(string Name, Func<Backend, RandomGenerator, Tensor> Run);

    /// <summary>Runs all cases on <paramref name="device"/> and <paramref name="reference"/>; <paramref name="completed"/> sees each result as soon as it is known.</summary>
    public static IReadOnlyList<KernelCheckResult> Run(Backend device, Backend reference, Action<KernelCheckResult>? completed = null) =>
        Cases().Select(c =>
        {
            var result = Compare(c, device, reference);
            completed?.Invoke(result);
            return result;
        }).ToList();

    private static KernelCheckResult Compare(Case c, Backend device, Backend reference)
    {
        float[] expected = Evaluate(c, reference, out _);
        float[] actual = Evaluate(c, device, out double ms);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            worst = double.IsNaN(diff) ? double.PositiveInfinity : Math.Max(worst, diff);
        }
        if (actual.Length != expected.Length) worst = double.PositiveInfinity;
        return new KernelCheckResult(c.Name, worst, ms, worst <= Tolerance);
    }

    private static float[] Evaluate(Case c, Backend backend, out double milliseconds)
    {
        using var scope = new TensorScope();
        c.Run(backend, new RandomGenerator(20261127)).ToArray();   // warm-up: compiles kernels on first use
        var clock = Stopwatch.StartNew();
        var output = c.Run(backend, new RandomGenerator(20261127));
        backend.Synchronize();
        milliseconds = clock.Elapsed.TotalMilliseconds;
        return output.ToArray();
    }

    private static Tensor Normal(Backend b, RandomGenerator r, params int[] shape) => Tensor.RandomNormal(b, r, shape);

    private static IEnumerable<Case> Cases()
    {
        yield return new("random normal [4096]", (b, r) => Normal(b, r, 4096));
        yield return new("random uniform [4096]", (b, r) => Tensor.RandomUniform(b, r, 4096));
        yield return new("add broadcast [32,64,8,8]+[1,64,1,1]", (b, r) => Normal(b, r, 32, 64, 8, 8) + Normal(b, r, 1, 64, 1, 1));
        yield return new("sub [128,1024]", (b, r) => Normal(b, r, 128, 1024) - Normal(b, r, 128, 1024));
        yield return new("mul broadcast [32,64,8,8]*[32,64,1,1]", (b, r) => Normal(b, r, 32, 64, 8, 8) * Normal(b, r, 32, 64, 1, 1));
        yield return new("div [128,1024]", (b, r) => Normal(b, r, 128, 1024) / (ElementwiseOp.Square(Normal(b, r, 128, 1024)) + 1f));
        yield return new("scale, add-scalar [128,1024]", (b, r) => Normal(b, r, 128, 1024) * 3f + 1f);
        yield return new("square [128,1024]", (b, r) => ElementwiseOp.Square(Normal(b, r, 128, 1024)));
        yield return new("sqrt, rsqrt [128,1024]", (b, r) => ElementwiseOp.Sqrt(Tensor.RandomUniform(b, r, 128, 1024)) + ElementwiseOp.Rsqrt(Tensor.RandomUniform(b, r, 128, 1024)));
        yield return new("exp, log [128,1024]", (b, r) => ElementwiseOp.Exp(Normal(b, r, 128, 1024)) + ElementwiseOp.Log(Tensor.RandomUniform(b, r, 128, 1024)));
        yield return new("softplus, sigmoid [128,1024]", (b, r) => ElementwiseOp.Softplus(Normal(b, r, 128, 1024) * 10f) + ElementwiseOp.Sigmoid(Normal(b, r, 128, 1024)));
        yield return new("leaky relu 0.2 [128,1024]", (b, r) => ElementwiseOp.LeakyRelu(Normal(b, r, 128, 1024), 0.2f));
        yield return new("sum axes 0,2,3 [32,64,8,8]", (b, r) => ReduceOp.Sum(Normal(b, r, 32, 64, 8, 8), [0, 2, 3]));
        yield return new("mean axis 1 [128,1024]", (b, r) => ReduceOp.Mean(Normal(b, r, 128, 1024), [1]));
        yield return new("sum all [65536]", (b, r) => ReduceOp.Sum(Normal(b, r, 65536)));
        yield return new("matmul 128x784x1024", (b, r) => MatMulOp.MatMul(Normal(b, r, 128, 784), Normal(b, r, 784, 1024)));
        yield return new("matmul A^T B 1024x128x784", (b, r) => MatMulOp.MatMul(Normal(b, r, 128, 1024), Normal(b, r, 128, 784), transA: true));
        yield return new("matmul A B^T 128x1024x784", (b, r) => MatMulOp.MatMul(Normal(b, r, 128, 784), Normal(b, r, 1024, 784), transB: true));
        yield return new("matmul 65x33x17 odd", (b, r) => MatMulOp.MatMul(Normal(b, r, 65, 17), Normal(b, r, 17, 33)));
        yield return new("concat + slice axis 1", (b, r) => ShapeOp.Slice(ShapeOp.Concat([Normal(b, r, 8, 3, 5), Normal(b, r, 8, 4, 5)], 1), 1, 2, 4));
        yield return new("gather rows", (b, r) => ShapeOp.GatherRows(Normal(b, r, 100, 784), [5, 99, 0, 5, 42]));
        yield return new("R1 double backprop (MLP)", R1Case);
        yield return new("LREQ Adam step", AdamCase);
        foreach (var c in ConvolutionCases()) yield return c;
    }

    // StyleALAE's convolution, resampling and instance-norm ops at the sizes of its 16x16 and 32x32 blocks.
    private static IEnumerable<Case> ConvolutionCases()
    {
        var g = Kernels.Conv2dGeometry.Create(8, 64, 16, 16, 64, 3, 3, 1, 1);
        yield return new("conv2d 3x3 [8,64,16,16]x[64,64,3,3] + bias", (b, r) =>
            Conv2dOp.Conv2d(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3) * (1f / 24), Normal(b, r, 64), 1, 1));
        yield return new("conv2d input grad 3x3 [8,64,16,16]", (b, r) =>
            Conv2dOp.InputGradient(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3) * (1f / 24), g));
        yield return new("conv2d weight grad 3x3 [8,64,16,16]", (b, r) =>
            Conv2dOp.WeightGradient(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 8, 64, 16, 16), g) * (1f / 45));
        yield return new("fused downsample conv [4,32,32,32] -> 16x16", (b, r) =>
            Conv2dOp.FusedDownsample(Normal(b, r, 4, 32, 32, 32), Normal(b, r, 64, 32, 3, 3) * (1f / 17), Normal(b, r, 64)));
        yield return new("fused upsample conv [4,64,16,16] -> 32x32", (b, r) =>
            Conv2dOp.FusedUpsample(Normal(b, r, 4, 64, 16, 16), Normal(b, r, 64, 32, 3, 3) * (1f / 24), Normal(b, r, 32)));
        yield return new("blur 3x3 [32,64,16,16]", (b, r) => ResampleOp.Blur(Normal(b, r, 32, 64, 16, 16)));
        yield return new("nearest 2x upsample [32,64,8,8]", (b, r) => ResampleOp.UpsampleNearest2x(Normal(b, r, 32, 64, 8, 8)));
        yield return new("average pool 2x2 [32,64,16,16]", (b, r) => ResampleOp.AveragePool2x2(Normal(b, r, 32, 64, 16, 16)));
        yield return new("instance statistics [32,64,16,16]", (b, r) =>
        {
            var (mean, std) = InstanceNormOp.Statistics(Normal(b, r, 32, 64, 16, 16) * 2f + 1f);
            return ShapeOp.Concat([mean, std], 1);
        });
        yield return new("instance norm eps 1e-5 [32,64,16,16]", (b, r) => InstanceNormOp.InstanceNorm(Normal(b, r, 32, 64, 16, 16), 1e-5f));
        yield return new("instance norm backward [32,64,16,16]", InstanceNormBackwardCase);
        yield return new("R1 double backprop (conv block)", ConvR1Case);
        yield return new("modulated conv 3x3, demodulated [8,64,16,16]", (b, r) =>
            ModulatedConvOp.ModulatedConv2d(Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3), Normal(b, r, 8, 64)));
        yield return new("modulated conv backward (dx, dw, ds) [8,64,16,16]", ModulatedConvBackwardCase);
    }

    private static Tensor ModulatedConvBackwardCase(Backend b, RandomGenerator r)
    {
        Tensor[] inputs = [Normal(b, r, 8, 64, 16, 16), Normal(b, r, 64, 64, 3, 3), Normal(b, r, 8, 64)];
        foreach (var t in inputs) t.RequiresGrad = true;
        var y = ModulatedConvOp.ModulatedConv2d(inputs[0], inputs[1], inputs[2]);
        var grads = Autograd.Grad([y], inputs, [Normal(b, r, 8, 64, 16, 16)]);
        return ShapeOp.Concat([.. grads.Select(g => ShapeOp.Reshape(g, g.Count))], 0);
    }

    private static Tensor InstanceNormBackwardCase(Backend b, RandomGenerator r)
    {
        var x = Normal(b, r, 32, 64, 16, 16);
        x.RequiresGrad = true;
        return Autograd.Grad([InstanceNormOp.InstanceNorm(x, 1e-5f)], [x], [Normal(b, r, 32, 64, 16, 16)])[0];
    }

    // One StyleALAE encoder block (conv, leaky ReLU, instance statistics and norm, blur, conv, average pool) and a
    // linear logit of its style; returns d R1 / d(first conv weight).
    private static Tensor ConvR1Case(Backend b, RandomGenerator r)
    {
        var x = Normal(b, r, 4, 16, 16, 16);
        x.RequiresGrad = true;
        var w1 = Normal(b, r, 16, 16, 3, 3) * (1f / 12);
        var w2 = Normal(b, r, 32, 16, 3, 3) * (1f / 12);
        var style = Normal(b, r, 1, 64) * (1f / 8);
        w1.RequiresGrad = true;
        var h = ElementwiseOp.LeakyRelu(Conv2dOp.Conv2d(x, w1, null, 1, 1), 0.2f);
        h = ResampleOp.Blur(InstanceNormOp.InstanceNorm(h, 1e-5f));
        h = ElementwiseOp.LeakyRelu(ResampleOp.AveragePool2x2(Conv2dOp.Conv2d(h, w2, null, 1, 1)), 0.2f);
        var (mean, std) = InstanceNormOp.Statistics(h);
        var logit = MatMulOp.Linear(ShapeOp.Concat([mean, std], 1), style);
        var gx = Autograd.Grad([ReduceOp.Sum(logit)], [x], createGraph: true)[0];
        return Autograd.Grad([ReduceOp.Sum(ElementwiseOp.Square(gx))], [w1])[0];
    }

    private static Tensor R1Case(Backend b, RandomGenerator r)
    {
        var x = Normal(b, r, 16, 64);
        x.RequiresGrad = true;
        var w1 = Normal(b, r, 32, 64) * 0.1f;
        var w2 = Normal(b, r, 1, 32) * 0.1f;
        w1.RequiresGrad = true;
        var logit = MatMulOp.Linear(ElementwiseOp.LeakyRelu(MatMulOp.Linear(x, w1), 0.2f), w2);
        var gx = Autograd.Grad([ReduceOp.Sum(ElementwiseOp.Softplus(logit))], [x], createGraph: true)[0];
        return Autograd.Grad([ReduceOp.Sum(ElementwiseOp.Square(gx))], [w1])[0];
    }

    private static Tensor AdamCase(Backend b, RandomGenerator r)
    {
        var p = new Parameter(Normal(b, r, 4096));
        var adam = new LreqAdam([p], 0.002f, beta1: 0f, beta2: 0.99f);
        p.ZeroGrad();
        p.Grad!.CopyFrom(Normal(b, r, 4096));
        adam.Step();
        var result = p.Value.Clone();
        p.Value.Dispose();   // also disposes its gradient
        foreach (var (_, v) in adam.State()) v.Dispose();
        return result;
    }
}
