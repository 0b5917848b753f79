using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// E's input layer at one resolution, with the encoder's extra activation: a 1x1 conv with bias, leaky ReLU 0.2
/// (net.py <c>FromRGB</c>), then leaky ReLU 0.2 again (<c>EncoderDefault</c>), so negatives are scaled by 0.04.
/// </summary>
public sealed class FromRgb : Module
{
    private const float Slope = 0.2f;
    private readonly EqualizedConv2d _conv;

    /// <summary>Builds the layer from <paramref name="channels"/> image channels to <paramref name="outChannels"/> features.</summary>
    public FromRgb(Backend backend, RandomGenerator random, int channels, int outChannels) =>
        _conv = AddModule("from_rgb", new EqualizedConv2d(backend, random, channels, outChannels, 1));

    /// <summary>Image [N, channels, H, W] -> features [N, C, H, W], both activations applied.</summary>
    public Tensor Forward(Tensor x) => ElementwiseOp.LeakyRelu(ElementwiseOp.LeakyRelu(_conv.Forward(x), Slope), Slope);
}
