using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// The official E block (net.py <c>EncodeBlock</c>): 3x3 conv + bias + leaky ReLU 0.2, style
/// statistics [mean; std] (no eps), instance norm (eps 1e-5), blur, 3x3 conv with 2x downsampling (2x2 average pool, or
/// a fused stride-2 conv at 128 px and above), bias, leaky ReLU, statistics again and instance norm. Its style is
/// style_1([mean; std]_1) + style_2([mean; std]_2), a w [N, latent]. Parameter names are official.
/// </summary>
public sealed class EncodeBlock : Module
{
    private const float Slope = 0.2f;
    private const float NormEpsilon = 1e-5f;
    private readonly Parameter _bias1, _bias2;
    private readonly EqualizedConv2d _conv1, _conv2;
    private readonly EqualizedLinear _style1, _style2;

    /// <summary>Builds block <paramref name="index"/> (0 = full resolution) of E for <paramref name="shape"/>.</summary>
    public EncodeBlock(Backend backend, RandomGenerator random, StyleAlaeShape shape, int index)
    {
        int inChannels = shape.EncoderInputChannels(index), outChannels = shape.EncoderOutputChannels(index);
        bool fused = StyleAlaeShape.Resolution(shape.LayerCount - 1 - index) >= StyleAlaeShape.FusedResolution;
        _bias1 = AddParameter("bias_1", Tensor.Zeros(backend, 1, inChannels, 1, 1));
        _bias2 = AddParameter("bias_2", Tensor.Zeros(backend, 1, outChannels, 1, 1));
        _conv1 = AddModule("conv_1", new EqualizedConv2d(backend, random, inChannels, inChannels, 3, bias: false));
        _conv2 = AddModule("conv_2", new EqualizedConv2d(backend, random, inChannels, outChannels, 3, bias: false,
            resampling: fused ? ConvResampling.FusedDownsample : ConvResampling.None));
        _style1 = AddModule("style_1", new EqualizedLinear(backend, random, 2 * inChannels, shape.LatentSize));
        _style2 = AddModule("style_2", new EqualizedLinear(backend, random, 2 * outChannels, shape.LatentSize));
    }

    /// <summary>x [N, Cin, H, W] -> (features [N, Cout, H/2, W/2], style [N, latent]).</summary>
    public (Tensor Features, Tensor Style) Forward(Tensor x)
    {
        x = ElementwiseOp.LeakyRelu(_conv1.Forward(x) + _bias1.Value, Slope);
        var statistics1 = Statistics(x);                                              // [N, 2 Cin]
        x = ResampleOp.Blur(InstanceNormOp.InstanceNorm(x, NormEpsilon));
        x = _conv2.Forward(x);
        if (_conv2.Resampling == ConvResampling.None) x = ResampleOp.AveragePool2x2(x);
        x = ElementwiseOp.LeakyRelu(x + _bias2.Value, Slope);                         // [N, Cout, H/2, W/2]
        var statistics2 = Statistics(x);                                              // [N, 2 Cout]
        x = InstanceNormOp.InstanceNorm(x, NormEpsilon);
        return (x, _style1.Forward(statistics1) + _style2.Forward(statistics2));
    }

    // [mean; std] per channel, std without eps: [N, 2C]
    private static Tensor Statistics(Tensor x)
    {
        var (mean, std) = InstanceNormOp.Statistics(x);
        return ShapeOp.Concat([mean, std], 1);
    }
}
