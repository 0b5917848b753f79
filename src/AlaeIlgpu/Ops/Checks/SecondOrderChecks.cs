using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Diagnostics;
using AlaeIlgpu.Kernels.Gpu;
using static AlaeIlgpu.Diagnostics.CheckCase;

namespace AlaeIlgpu.Ops.Checks;

/// <summary>
/// <c>alae check</c> cases of double backpropagation (<see cref="Autograd"/> with a recorded graph), as the R1 penalty
/// needs it: the MLP discriminator's and a StyleALAE encoder block's.
/// </summary>
[KernelChecks(typeof(Autograd), typeof(GemmKernels), typeof(ElementwiseKernels), typeof(ReduceKernels), typeof(Conv2dKernels),
    typeof(InstanceNormKernels), typeof(ResampleKernels))]
public static class SecondOrderChecks
{
    /// <summary>The cases.</summary>
    public static IReadOnlyList<CheckCase> Cases { get; } =
    [
        new("R1 double backprop (MLP)", MlpR1),
        new("R1 double backprop (conv block)", ConvR1),
    ];

    private static Tensor MlpR1(Backend b, RandomGenerator r)
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

    // One StyleALAE encoder block (conv, leaky ReLU, instance statistics and norm, blur, conv, average pool) and a
    // linear logit of its style; returns d R1 / d(first conv weight).
    private static Tensor ConvR1(Backend b, RandomGenerator r)
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
}
