using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// The official G block (net.py <c>DecodeBlock</c>): for blocks after the first, 2x upsampling
/// (nearest + 3x3 conv, or a fused transposed conv at 128 px and above) and blur; then twice [noise, bias, leaky ReLU
/// 0.2, instance norm (eps 1e-8), AdaIN from a style slot], with a 3x3 conv between. Parameter names are official.
/// </summary>
public sealed class DecodeBlock : GeneratorBlock
{
    private const float NormEpsilon = 1e-8f;
    private const float StyleGain = 1f;
    private readonly EqualizedConv2d? _conv1;
    private readonly EqualizedConv2d _conv2;
    private readonly EqualizedLinear _style1, _style2;

    /// <summary>Builds block <paramref name="index"/> (0 = 4x4, which starts from the constant and has no first conv).</summary>
    public DecodeBlock(Backend backend, RandomGenerator random, StyleAlaeShape shape, int index)
        : base(backend, index, shape.GeneratorChannels(index))
    {
        int inChannels = shape.GeneratorChannels(Math.Max(0, index - 1)), c = OutChannels;
        if (Upsamples)
        {
            bool fused = StyleAlaeShape.Resolution(index) >= StyleAlaeShape.FusedResolution;
            _conv1 = AddModule("conv_1", new EqualizedConv2d(backend, random, inChannels, c, 3, bias: false,
                resampling: fused ? ConvResampling.FusedUpsample : ConvResampling.None));
        }
        _style1 = AddModule("style_1", new EqualizedLinear(backend, random, shape.LatentSize, 2 * c, gain: StyleGain));
        _conv2 = AddModule("conv_2", new EqualizedConv2d(backend, random, c, c, 3, bias: false));
        _style2 = AddModule("style_2", new EqualizedLinear(backend, random, shape.LatentSize, 2 * c, gain: StyleGain));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x, Tensor style1, Tensor style2, GeneratorNoise noise)
    {
        if (_conv1 is not null)
        {
            var up = _conv1.Resampling == ConvResampling.FusedUpsample ? x : ResampleOp.UpsampleNearest2x(x);
            x = ResampleOp.Blur(_conv1.Forward(up));                                     // [N, C, 2H, 2W]
        }
        x = Stylize(NoiseAndBias(x, 0, noise), _style1, style1);
        return Stylize(NoiseAndBias(_conv2.Forward(x), 1, noise), _style2, style2);
    }

    // leaky ReLU, instance norm, AdaIN x * (1 + y_s) + y_b with y = affine(w)
    private static Tensor Stylize(Tensor x, EqualizedLinear affine, Tensor w)
    {
        x = InstanceNormOp.InstanceNorm(ElementwiseOp.LeakyRelu(x, Slope), NormEpsilon);
        return StyleOp.StyleModulate(x, affine.Forward(w));
    }
}
