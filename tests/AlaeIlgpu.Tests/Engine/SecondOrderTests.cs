using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Gradients of gradients, as R1 needs: f = sum(grad_x(sum(w * softplus(op(x, ...))))^2) is differentiated with respect
/// to every input and compared with finite differences. The softplus on top makes the inner gradient depend on x, so
/// each op's backward is itself differentiated with respect to both its incoming gradient and its inputs.
/// </summary>
public class SecondOrderTests
{
    /// <summary>The ops used inside ALAE's D and E (linear, leaky ReLU, add, mul, sum, mean, square, softplus, reshape) and every other op.</summary>
    public static TheoryData<string> Ops() => new(GradCases.All.Keys);

    [Theory]
    [MemberData(nameof(Ops))]
    public void GradientOfGradientNormMatchesFiniteDifferences(string op)
    {
        var cpu = CpuBackend.Instance;
        var c = GradCases.All[op];
        using var scope = new TensorScope();
        var inputs = c.Inputs(cpu);
        var weights = c.OutputWeights(cpu, inputs, 99);
        GradCheck.Check(x =>
        {
            var inner = ReduceOp.Sum(ElementwiseOp.Softplus(c.Op(x)) * weights);
            var gx = Autograd.Grad([inner], [x[0]], createGraph: true)[0];
            return ReduceOp.Sum(ElementwiseOp.Square(gx));
        }, inputs);
    }
}
