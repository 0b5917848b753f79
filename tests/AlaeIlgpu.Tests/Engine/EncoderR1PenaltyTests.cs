using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// The R1 penalty sum ||d D(E(x)) / dx||^2 through a two-block StyleALAE-style encoder, differentiated with respect to
/// conv weights: every op of E's blocks (1x1 and 3x3 convs, the fused stride-2 conv, leaky ReLU, blur, average pooling,
/// instance statistics and norm, style linears) is differentiated twice. The MLP version is <see cref="R1PenaltyTests"/>.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class EncoderR1PenaltyTests(SimulatorFixture fixture)
{
    /// <summary>
    /// The same graph on two backends: each of ~60 ops rounds in float32 in its own summation order, and instance norm
    /// divides by standard deviations of order 1, so results agree to about 1e-5 of the largest value.
    /// </summary>
    private const double CrossBackendRtol = 1e-4;

    /// <summary>
    /// Finite-difference step: every weight feeds hundreds of leaky ReLUs, and at h = 1e-2 most probes move some
    /// pre-activation across 0 (measured); 1e-3 makes that rare, and <see cref="GradCheck.CheckPiecewiseSmooth"/>
    /// handles the rest with one-sided differences.
    /// </summary>
    private const float R1Step = 1e-3f;

    /// <summary>
    /// R1 is about 0.1 here and its weight derivatives 0.004 to 0.13: float32 rounding of R1 (~1e-8) over 2h gives
    /// ~1e-5, and a one-sided difference's O(h) truncation ~1e-4 (measured up to 3e-4 where the derivative is 0.018,
    /// covered by the relative part).
    /// </summary>
    private const double R1Atol = 1e-4;

    /// <summary>Relative part: O(h) truncation of one-sided differences, about 1.6% at most in the measurements.</summary>
    private const double R1Rtol = 2e-2;

    private const float Slope = 0.2f, NormEpsilon = 1e-5f;

    /// <summary>Tiny StyleALAE encoder weights: FromRGB 3 -> 4, block 0 (8x8, 4 -> 6, conv + average pool), block 1 (4x4, 6 -> 8, fused stride-2 conv), w of width 5, and D's logit layer.</summary>
    private sealed class TinyEncoder(Backend b)
    {
        public Tensor FromRgb { get; } = W(b, 1, 4, 3, 1, 1);
        public Tensor FromRgbBias { get; } = GradCheck.Random(b, 2, 0.1f, 4);
        public Block[] Blocks { get; } = [new(b, 10, 4, 6, fused: false), new(b, 20, 6, 8, fused: true)];
        public Tensor Discriminator { get; } = W(b, 3, 1, 5);

        public IEnumerable<Tensor> All() =>
            new[] { FromRgb, FromRgbBias, Discriminator }.Concat(Blocks.SelectMany(k => k.All()));
    }

    private sealed class Block(Backend b, ulong seed, int inChannels, int outChannels, bool fused)
    {
        public bool Fused { get; } = fused;
        public Tensor Conv1 { get; } = W(b, seed, inChannels, inChannels, 3, 3);
        public Tensor Bias1 { get; } = GradCheck.Random(b, seed + 1, 0.1f, inChannels);
        public Tensor Conv2 { get; } = W(b, seed + 2, outChannels, inChannels, 3, 3);
        public Tensor Bias2 { get; } = GradCheck.Random(b, seed + 3, 0.1f, outChannels);
        public Tensor Style1 { get; } = W(b, seed + 4, 5, 2 * inChannels);
        public Tensor Style2 { get; } = W(b, seed + 5, 5, 2 * outChannels);

        public Tensor[] All() => [Conv1, Bias1, Conv2, Bias2, Style1, Style2];
    }

    // He-scaled weights: the fan-in is the product of all extents but the first.
    private static Tensor W(Backend b, ulong seed, params int[] shape) =>
        GradCheck.Random(b, seed, 1f / MathF.Sqrt(shape.Skip(1).Aggregate(1, (p, d) => p * d)), shape);

    // EncodeBlock of ALAE's EncoderDefault; returns the block's output and adds its style w1 + w2 to w.
    private static Tensor EncodeBlock(Tensor h, Block k, ref Tensor? w)
    {
        h = ElementwiseOp.LeakyRelu(Conv2dOp.Conv2d(h, k.Conv1, k.Bias1, 1, 1), Slope);
        var style1 = StyleStatistics(h);
        h = ResampleOp.Blur(InstanceNormOp.InstanceNorm(h, NormEpsilon));
        h = k.Fused
            ? Conv2dOp.FusedDownsample(h, k.Conv2, k.Bias2)
            : ResampleOp.AveragePool2x2(Conv2dOp.Conv2d(h, k.Conv2, null, 1, 1)) + ShapeOp.Reshape(k.Bias2, 1, -1, 1, 1);
        h = ElementwiseOp.LeakyRelu(h, Slope);
        var style2 = StyleStatistics(h);
        var blockStyle = MatMulOp.Linear(style1, k.Style1) + MatMulOp.Linear(style2, k.Style2);
        w = w is null ? blockStyle : w + blockStyle;
        return InstanceNormOp.InstanceNorm(h, NormEpsilon);
    }

    private static Tensor StyleStatistics(Tensor h)
    {
        var (mean, std) = InstanceNormOp.Statistics(h);
        return ShapeOp.Concat([mean, std], 1);
    }

    // D(E(x)): FromRGB (1x1 conv + bias, leaky ReLU, and E's second leaky ReLU), the blocks, then D's logit of w.
    private static Tensor Logits(Tensor x, TinyEncoder e)
    {
        var h = ElementwiseOp.LeakyRelu(ElementwiseOp.LeakyRelu(Conv2dOp.Conv2d(x, e.FromRgb, e.FromRgbBias), Slope), Slope);
        Tensor? w = null;
        foreach (var block in e.Blocks) h = EncodeBlock(h, block, ref w);
        return MatMulOp.Linear(w!, e.Discriminator);
    }

    // ALAE's R1: the gradient of the summed real logits with respect to the real images, squared and summed.
    private static Tensor R1(Tensor x, TinyEncoder e)
    {
        var gx = Autograd.Grad([ReduceOp.Sum(Logits(x, e))], [x], createGraph: true)[0];
        return ReduceOp.Sum(ElementwiseOp.Square(gx));
    }

    private static Tensor Images(Backend b)
    {
        var x = GradCheck.Random(b, 99, 1f, 2, 3, 8, 8);
        x.RequiresGrad = true;
        return x;
    }

    [Fact]
    public void R1GradientWithRespectToConvWeightsMatchesFiniteDifferences()
    {
        var cpu = CpuBackend.Instance;
        var e = new TinyEncoder(cpu);
        var x = Images(cpu);
        GradCheck.CheckPiecewiseSmooth(_ => R1(x, e), [e.FromRgb, e.Blocks[0].Conv1, e.Blocks[1].Conv2], R1Step, R1Atol, R1Rtol);
        foreach (var t in e.All().Append(x)) t.Dispose();
    }

    [Fact]
    public void R1AndItsWeightGradientsAreTheSameOnCpuAndSimulator()
    {
        var results = new[] { CpuBackend.Instance, fixture.Get("ilgpu-cpu") }.Select(backend =>
        {
            var e = new TinyEncoder(backend);
            var x = Images(backend);
            var weights = e.All().ToArray();
            foreach (var t in weights) t.RequiresGrad = true;
            float[][] values;
            using (new TensorScope())
            {
                var r1 = R1(x, e);
                values = Autograd.Grad([r1], weights).Select(g => g.ToArray()).Prepend([r1.Item()]).ToArray();
            }
            foreach (var t in weights.Append(x)) t.Dispose();
            return values;
        }).ToArray();
        for (int i = 0; i < results[0].Length; i++)
        {
            double scale = results[0][i].Max(v => Math.Abs((double)v));
            TestData.AssertClose(results[0][i].Select(v => (double)v).ToArray(), results[1][i], CrossBackendRtol * scale, 0,
                i == 0 ? "R1" : $"gradient of R1 with respect to weight {i - 1}");
        }
    }
}
