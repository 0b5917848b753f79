using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Optim;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// The equalized conv layer initialises and scales as ALAE's lreq does (fan-in of the K x K weight, also when fused),
/// resamples as asked, and its implicit (ALAE) and runtime (StyleGAN) modes train identically; the same for the
/// equalized linear layer.
/// </summary>
public class EqualizedConv2dTests
{
    /// <summary>Standard error of the standard deviation of 32 x 64 x 9 normal samples: 1 / sqrt(2 * 18432) = 0.52%; 3% is over 5 of them.</summary>
    private const double InitStdRtol = 0.03;

    /// <summary>
    /// Effective weights of order 0.3 moved by five Adam steps of about lr c = 5e-3: the two modes differ by float32
    /// roundings of c w (1e-7 relative) and by Adam's eps entering as eps / c instead of eps (1e-8 against sqrt(v) of
    /// order 1e-2, i.e. 1e-6 of a step). A mode that scaled the step or the forward pass wrongly would be off by a step.
    /// </summary>
    private const double TrajectoryAtol = 1e-5;

    /// <summary>The losses of the two runs, of order 1, differ by the same relative amounts.</summary>
    private const double LossRtol = 1e-5;

    private const float Gain = 1.41421356f;
    private static readonly Backend Cpu = CpuBackend.Instance;

    [Theory]
    [InlineData(ConvResampling.None, EqualizationMode.Implicit)]
    [InlineData(ConvResampling.FusedDownsample, EqualizationMode.Implicit)]
    [InlineData(ConvResampling.FusedUpsample, EqualizationMode.Implicit)]
    [InlineData(ConvResampling.None, EqualizationMode.Runtime)]
    [InlineData(ConvResampling.FusedUpsample, EqualizationMode.Runtime)]
    public void InitialisesFromTheFanInOfTheKxKWeightAndScalesItsSteps(ConvResampling resampling, EqualizationMode mode)
    {
        const float lrMultiplier = 0.5f;
        var layer = new EqualizedConv2d(Cpu, new RandomGenerator(3), 64, 32, 3, Gain, lrMultiplier, resampling: resampling, mode: mode);
        float he = Gain / MathF.Sqrt(3 * 3 * 64);   // also for the fused 4x4 kernels, as ALAE's lreq computes it
        int[] shape = resampling == ConvResampling.FusedUpsample ? [64, 32, 3, 3] : [32, 64, 3, 3];
        Assert.Equal(shape, layer.Weight.Value.Shape.ToArray());
        float[] w = layer.Weight.Value.ToArray();
        double std = Math.Sqrt(w.Average(v => (double)v * v));
        double expectedStd = mode == EqualizationMode.Implicit ? he : 1 / lrMultiplier;
        Assert.InRange(std, expectedStd * (1 - InitStdRtol), expectedStd * (1 + InitStdRtol));
        Assert.All(layer.Bias!.Value.ToArray(), b => Assert.Equal(0f, b));
        Assert.Equal(mode == EqualizationMode.Implicit ? he * lrMultiplier : 1f, layer.Weight.LearningRateScale, 1e-7f);
        Assert.Equal(mode == EqualizationMode.Implicit ? lrMultiplier : 1f, layer.Bias.LearningRateScale);
        using var scope = new TensorScope();
        double effectiveStd = Math.Sqrt(layer.EffectiveWeight().ToArray().Average(v => (double)v * v));
        Assert.InRange(effectiveStd, he * (1 - InitStdRtol), he * (1 + InitStdRtol));
    }

    [Theory]
    [InlineData(ConvResampling.None, 6)]
    [InlineData(ConvResampling.FusedDownsample, 3)]
    [InlineData(ConvResampling.FusedUpsample, 12)]
    public void ForwardKeepsHalvesOrDoublesTheResolution(ConvResampling resampling, int outSize)
    {
        var layer = new EqualizedConv2d(Cpu, new RandomGenerator(4), 2, 5, 3, resampling: resampling);
        using var scope = new TensorScope();
        layer.Bias!.Value.CopyFrom(Tensor.FromArray(Cpu, [1f, 2f, 3f, 4f, 5f], 5));
        var x = TestData.NormalTensor(Cpu, 5, [3, 2, 6, 6]);
        var y = layer.Forward(x);
        Assert.Equal([3, 5, outSize, outSize], y.Shape.ToArray());
        var w = layer.Weight.Value;
        var expected = resampling switch
        {
            ConvResampling.FusedDownsample => Conv2dOp.FusedDownsample(x, w, layer.Bias.Value),
            ConvResampling.FusedUpsample => Conv2dOp.FusedUpsample(x, w, layer.Bias.Value),
            _ => Conv2dOp.Conv2d(x, w, layer.Bias.Value, 1, 1),
        };
        Assert.Equal(expected.ToArray(), y.ToArray());
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.1f)]
    public void ConvModesFollowTheSameTrajectory(float lrMultiplier)
    {
        EqualizedConv2d Make(EqualizationMode mode) => new(Cpu, new RandomGenerator(7), 2, 3, 3, Gain, lrMultiplier, mode: mode);
        CompareTrajectories(Make(EqualizationMode.Implicit), Make(EqualizationMode.Runtime),
            l => l.Forward, l => l.EffectiveWeight(), [4, 2, 6, 6], [4, 3, 6, 6], lrMultiplier);
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(0.1f)]
    public void LinearModesFollowTheSameTrajectory(float lrMultiplier)
    {
        EqualizedLinear Make(EqualizationMode mode) => new(Cpu, new RandomGenerator(8), 6, 4, Gain, lrMultiplier, mode: mode);
        CompareTrajectories(Make(EqualizationMode.Implicit), Make(EqualizationMode.Runtime),
            l => x => l.Forward(x), l => l.EffectiveWeight(), [5, 6], [5, 4], lrMultiplier);
    }

    // Five LREQ Adam steps of a least-squares regression on each layer; after each, the effective weights and biases
    // (stored value times the runtime factor) and the losses must agree.
    private static void CompareTrajectories<TLayer>(TLayer implicitLayer, TLayer runtimeLayer, Func<TLayer, Func<Tensor, Tensor>> forward,
        Func<TLayer, Tensor> effectiveWeight, int[] inputShape, int[] targetShape, float lrMultiplier) where TLayer : Module
    {
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(Cpu, 1, inputShape);
        var target = TestData.NormalTensor(Cpu, 2, targetShape);
        var optimizers = new[] { implicitLayer, runtimeLayer }.Select(l => new LreqAdam(l.Parameters(), 0.01f)).ToArray();
        for (int step = 1; step <= 5; step++)
        {
            float implicitLoss = Step(forward(implicitLayer), x, target, optimizers[0]);
            float runtimeLoss = Step(forward(runtimeLayer), x, target, optimizers[1]);
            Assert.Equal(implicitLoss, runtimeLoss, LossRtol * Math.Abs(implicitLoss));
            using var noGrad = Autograd.NoGrad();
            TestData.AssertClose(TestData.Ref(effectiveWeight(implicitLayer)), effectiveWeight(runtimeLayer), TrajectoryAtol, 0,
                $"effective weight after step {step}, lr multiplier {lrMultiplier}");
            var implicitBias = implicitLayer.Parameters().Last().Value;
            var runtimeBias = runtimeLayer.Parameters().Last().Value * lrMultiplier;
            TestData.AssertClose(TestData.Ref(implicitBias), runtimeBias, TrajectoryAtol, 0, $"effective bias after step {step}");
        }
    }

    private static float Step(Func<Tensor, Tensor> forward, Tensor x, Tensor target, LreqAdam optimizer)
    {
        using var scope = new TensorScope();
        optimizer.ZeroGrad();
        var loss = ReduceOp.Mean(ElementwiseOp.Square(forward(x) - target));
        Autograd.Backward(loss);
        optimizer.Step();
        return loss.Item();
    }
}
