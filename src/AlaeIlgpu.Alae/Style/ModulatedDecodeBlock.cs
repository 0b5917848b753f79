using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// G's block in the <see cref="GeneratorVariant.ModConv"/> variant (StyleGAN 2 style, not in the paper): for blocks
/// after the first, nearest 2x upsampling; then twice [3x3 modulated and demodulated conv whose per-input-channel scale
/// is 1 + affine(w), noise, bias, leaky ReLU 0.2], the first conv followed by blur when it upsampled. No instance norm.
/// Names follow <see cref="DecodeBlock"/>; <c>style_i</c> is Cin wide (a scale per input channel).
/// </summary>
public sealed class ModulatedDecodeBlock : GeneratorBlock
{
    private const float StyleGain = 1f;
    private readonly EqualizedConv2d _conv1, _conv2;
    private readonly EqualizedLinear _style1, _style2;

    /// <summary>Builds block <paramref name="index"/> (0 = 4x4, which starts from the constant without upsampling).</summary>
    public ModulatedDecodeBlock(Backend backend, RandomGenerator random, StyleAlaeShape shape, int index)
        : base(backend, index, shape.GeneratorChannels(index))
    {
        int inChannels = shape.GeneratorChannels(Math.Max(0, index - 1)), c = OutChannels;
        _conv1 = AddModule("conv_1", new EqualizedConv2d(backend, random, inChannels, c, 3, bias: false));
        _style1 = AddModule("style_1", new EqualizedLinear(backend, random, shape.LatentSize, inChannels, gain: StyleGain));
        _conv2 = AddModule("conv_2", new EqualizedConv2d(backend, random, c, c, 3, bias: false));
        _style2 = AddModule("style_2", new EqualizedLinear(backend, random, shape.LatentSize, c, gain: StyleGain));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, Tensor style1, Tensor style2, GeneratorNoise noise)
    {
        if (Upsamples) x = ResampleOp.UpsampleNearest2x(x);
        x = Modulated(x, _conv1, _style1, style1);
        if (Upsamples) x = ResampleOp.Blur(x);
        x = ElementwiseOp.LeakyRelu(NoiseAndBias(x, 0, noise), Slope);
        return ElementwiseOp.LeakyRelu(NoiseAndBias(Modulated(x, _conv2, _style2, style2), 1, noise), Slope);
    }

    // demodulated conv of x with per-sample input scales 1 + affine(w) [N, Cin]
    private static Tensor Modulated(Tensor x, EqualizedConv2d conv, EqualizedLinear affine, Tensor w) =>
        ModulatedConvOp.ModulatedConv2d(x, conv.EffectiveWeight(), affine.Forward(w) + 1f);
}
