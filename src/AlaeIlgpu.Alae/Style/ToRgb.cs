using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;

namespace AlaeIlgpu.Alae.Style;

/// <summary>G's output layer at one resolution (net.py <c>ToRGB</c>): a 1x1 conv with bias, gain 0.03, linear output.</summary>
public sealed class ToRgb : Module
{
    private const float Gain = 0.03f;
    private readonly EqualizedConv2d _conv;

    /// <summary>Builds the layer from <paramref name="inChannels"/> features to <paramref name="channels"/> image channels.</summary>
    public ToRgb(Backend backend, RandomGenerator random, int inChannels, int channels) =>
        _conv = AddModule("to_rgb", new EqualizedConv2d(backend, random, inChannels, channels, 1, gain: Gain));

    /// <summary>[N, C, H, W] -> image [N, channels, H, W].</summary>
    public Tensor Forward(Tensor x) => _conv.Forward(x);
}
