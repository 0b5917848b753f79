using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>The R1 penalty of ALAE needs gradients of gradients: d/dW of sum ||d D(E(x)) / dx||^2.</summary>
public class R1PenaltyTests
{
    // A 3-layer MLP "D(E(x))": E = linear + leaky ReLU + linear, D = linear to one logit, softplus on top.
    private static Tensor DOfE(Tensor x, Tensor w1, Tensor w2, Tensor w3)
    {
        var h = ElementwiseOp.LeakyRelu(MatMulOp.Linear(x, w1), 0.2f);
        var e = MatMulOp.Linear(h, w2);
        return ElementwiseOp.Softplus(MatMulOp.Linear(e, w3));
    }

    private static Tensor R1(Tensor[] p)
    {
        var (x, w1, w2, w3) = (p[0], p[1], p[2], p[3]);
        var logits = DOfE(x, w1, w2, w3);
        var gx = Autograd.Grad([ReduceOp.Sum(logits)], [x], createGraph: true)[0];
        return ReduceOp.Sum(ElementwiseOp.Square(gx));
    }

    [Fact]
    public void R1GradientWithRespectToWeightsMatchesFiniteDifferences()
    {
        var cpu = CpuBackend.Instance;
        var inputs = new[]
        {
            GradCheck.Random(cpu, 1, 1f, 5, 7),
            GradCheck.Random(cpu, 2, 0.5f, 6, 7),
            GradCheck.Random(cpu, 3, 0.5f, 4, 6),
            GradCheck.Random(cpu, 4, 0.5f, 1, 4),
        };
        GradCheck.Check(R1, inputs);
    }
}
