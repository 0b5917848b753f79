using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Modules name their parameters for checkpoints; the equalized linear layer initialises and scales as ALAE's lreq does.</summary>
public class ModuleTests
{
    /// <summary>Standard error of the standard deviation of 64 x 256 normal samples: 1 / sqrt(2 * 16384) = 0.55%; 3% is over 5 of them.</summary>
    private const double InitStdRtol = 0.03;

    private static readonly Backend Cpu = CpuBackend.Instance;

    [Fact]
    public void ParametersHaveDottedNamesInRegistrationOrder()
    {
        var mlp = new TinyMlp(Cpu, 6, 10);
        Assert.Equal(["hidden.weight", "hidden.bias", "head.weight", "head.bias"], mlp.NamedParameters().Select(p => p.Name));
        Assert.Equal(6 * 10 + 10 + 10 + 1, mlp.ParameterCount);
        Assert.All(mlp.Parameters(), p => Assert.True(p.Value.RequiresGrad));
        mlp.SetRequiresGrad(false);
        Assert.All(mlp.Parameters(), p => Assert.False(p.Value.RequiresGrad));
    }

    [Fact]
    public void EqualizedLinearInitialisesHeScaledWeightsAndScalesItsSteps()
    {
        const float gain = 1.41421356f, lrMultiplier = 0.1f;
        var layer = new EqualizedLinear(Cpu, new RandomGenerator(3), 256, 64, gain, lrMultiplier);
        float he = gain / MathF.Sqrt(256);
        var w = layer.Weight.Value.ToArray();
        double std = Math.Sqrt(w.Average(v => (double)v * v));
        Assert.InRange(std, he * (1 - InitStdRtol), he * (1 + InitStdRtol));
        Assert.Equal(new[] { 64, 256 }, layer.Weight.Value.Shape.ToArray());
        Assert.All(layer.Bias!.Value.ToArray(), b => Assert.Equal(0f, b));
        Assert.Equal(he * lrMultiplier, layer.Weight.LearningRateScale, 1e-7f);
        Assert.Equal(lrMultiplier, layer.Bias.LearningRateScale);
        Assert.Null(new EqualizedLinear(Cpu, new RandomGenerator(3), 4, 2, bias: false).Bias);
    }

    [Fact]
    public void EqualizedLinearForwardIsAPlainAffineMap()
    {
        var layer = new EqualizedLinear(Cpu, new RandomGenerator(4), 7, 3);
        using var scope = new TensorScope();
        layer.Bias!.Value.CopyFrom(Tensor.FromArray(Cpu, [0.5f, -1f, 2f], 3));
        var x = TestData.NormalTensor(Cpu, 5, [4, 7]);
        var expected = NaiveOps.Linear(TestData.Ref(x), TestData.Ref(layer.Weight.Value), TestData.Ref(layer.Bias.Value));
        // Seven products of values of order 1: a few float32 roundings.
        TestData.AssertClose(expected, layer.Forward(x), 1e-5, 1e-6, "equalized linear forward");
    }
}
