using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Alae;
using AlaeIlgpu.Alae.Style;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Style;

/// <summary>
/// Step I's loss with its R1 penalty, through a tiny but complete StyleALAE E (in a fade-in, so both FromRGB paths,
/// the blended feature maps and the scaled style run) and D, differentiated with respect to E's and D's weights, agrees
/// with finite differences: the double backprop of the whole encoder is right.
/// </summary>
public class StyleR1Tests
{
    private static readonly StyleAlaeShape Tiny = new(LayerCount: 2, StartChannels: 2, MaxChannels: 3, LatentSize: 3, MappingLayers: 1, Channels: 1);

    /// <summary>Finite-difference step: small, so few probes move a leaky ReLU's input across 0 (as EncoderR1PenaltyTests).</summary>
    private const float R1Step = 1e-3f;

    /// <summary>float32 rounding of a loss of order 10 (~1e-6) over 2h = 2e-3 gives ~5e-4; with headroom.</summary>
    private const double Atol = 2e-3;

    /// <summary>O(h) truncation of the one-sided differences used next to a kink.</summary>
    private const double Rtol = 3e-2;

    [Fact]
    public void EncoderDiscriminatorLossGradientsMatchFiniteDifferences()
    {
        var b = CpuBackend.Instance;
        var model = new StyleAlae(b, new RandomGenerator(4), Tiny);
        var weights = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value);
        var real = GradCheck.Random(b, 5, 1f, 2, 1, 8, 8);
        var fake = GradCheck.Random(b, 6, 1f, 2, 1, 8, 8);
        Tensor Loss(Tensor[] _)
        {
            var x = real.Detach();
            x.RequiresGrad = true;
            Tensor Logits(Tensor images) => model.D.Forward(model.E.Forward(images, lod: 1, blend: 0.6f));
            return AlaeObjective.EncoderDiscriminator(Logits(fake), Logits(x), x, r1Gamma: 10f);
        }
        string[] probed =
        [
            "discriminator.from_rgb.0.from_rgb.weight", "discriminator.from_rgb.1.from_rgb.bias",
            "discriminator.encode_block.0.conv_1.weight", "discriminator.encode_block.0.bias_2",
            "discriminator.encode_block.1.conv_2.weight", "discriminator.encode_block.1.style_1.weight",
            "mapping_tl.map_blocks.0.weight",
        ];
        GradCheck.CheckPiecewiseSmooth(Loss, [.. probed.Select(n => weights[n])], R1Step, Atol, Rtol, maxProbes: 8);
    }

    [Fact]
    public void BlendedRealImagesMixTheImageWithItsPooledVersion()
    {
        using var scope = new TensorScope();
        var x = Tensor.FromArray(CpuBackend.Instance, [1f, 3f, 5f, 7f], 1, 1, 2, 2);
        Assert.Equal([3.25f, 3.75f, 4.25f, 4.75f], ProgressiveBlend.RealImages(x, 0.25f).ToArray());   // 0.25 x + 0.75 * 4 (the 2x2 mean)
        Assert.Same(x, ProgressiveBlend.RealImages(x, 1f));
    }
}
