using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>The R1 penalty of ALAE needs gradients of gradients: d/dW of sum ||d D(E(x)) / dx||^2.</summary>
[Collection(SimulatorCollection.Name)]
public class R1PenaltyTests(SimulatorFixture fixture)
{
    /// <summary>Float32 results of the same graph on two backends: a few ulps per op over ~20 ops.</summary>
    private const float CrossBackendRtol = 1e-5f;

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
        foreach (var t in inputs) t.Dispose();
    }

    [Fact]
    public void R1GradientMatchesFiniteDifferencesOnSimulator()
    {
        var inputs = MlpInputs(fixture.Get("ilgpu-cpu"));
        GradCheck.Check(R1, inputs);
        foreach (var t in inputs) t.Dispose();
    }

    [Fact]
    public void R1IsTheSameOnCpuAndSimulator()
    {
        var onCpu = MlpInputs(CpuBackend.Instance);
        var onSim = MlpInputs(fixture.Get("ilgpu-cpu"));
        float cpu, sim;
        using (new TensorScope())
        {
            cpu = R1(onCpu.Select(RequireGrad).ToArray()).Item();
            sim = R1(onSim.Select(RequireGrad).ToArray()).Item();
        }
        foreach (var t in onCpu.Concat(onSim)) t.Dispose();
        // Same inputs (same Philox streams); the backends differ only in summation order and SIMD math.
        Assert.Equal(cpu, sim, CrossBackendRtol * Math.Abs(cpu));
    }

    private static Tensor RequireGrad(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }
}
