using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>The R1 penalty of ALAE needs gradients of gradients: d/dW of sum ||d D(E(x)) / dx||^2.</summary>
[Collection(SimulatorCollection.Name)]
public class R1PenaltyTests(SimulatorFixture fixture)
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

    private static Tensor[] MlpInputs(Backend backend) =>
    [
        GradCheck.Random(backend, 1, 1f, 5, 7),
        GradCheck.Random(backend, 2, 0.5f, 6, 7),
        GradCheck.Random(backend, 3, 0.5f, 4, 6),
        GradCheck.Random(backend, 4, 0.5f, 1, 4),
    ];

    [Fact]
    public void R1GradientWithRespectToWeightsMatchesFiniteDifferences()
    {
        var inputs = MlpInputs(CpuBackend.Instance);
        GradCheck.Check(R1, inputs);
    }

    [Fact]
    public void R1GradientMatchesFiniteDifferencesOnSimulator()
    {
        var inputs = MlpInputs(fixture.Get("ilgpu-cpu"));
        GradCheck.Check(R1, inputs);
    }

    [Fact]
    public void R1IsTheSameOnCpuAndSimulator()
    {
        using var scope = new TensorScope();
        float cpu = R1(MlpInputs(CpuBackend.Instance).Select(RequireGrad).ToArray()).Item();
        float sim = R1(MlpInputs(fixture.Get("ilgpu-cpu")).Select(RequireGrad).ToArray()).Item();
        // Same inputs (same Philox streams); the backends differ only in summation order and SIMD math.
        Assert.Equal(cpu, sim, CrossBackendRtol * Math.Abs(cpu));
    }

    /// <summary>Float32 results of the same graph on two backends: a few ulps per op over ~20 ops.</summary>
    private const float CrossBackendRtol = 1e-5f;

    private static Tensor RequireGrad(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }
}
