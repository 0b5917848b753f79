using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// E: image -> w (net.py <c>EncoderDefault</c>). At level of detail lod the image enters through
/// FromRGB of block LayerCount-1-lod and runs down to 4x4; w is the sum of the blocks' styles. During a fade-in
/// (blend &lt; 1) the new top block's style is scaled by blend and its output is lerped with FromRGB of the 2x2-pooled
/// image at the level below. Parameter names are official: <c>from_rgb.i.from_rgb.*</c>, <c>encode_block.i.*</c>.
/// </summary>
public sealed class Encoder : Module
{
    private readonly FromRgb[] _fromRgb;
    private readonly EncodeBlock[] _blocks;

    /// <summary>Builds E for <paramref name="shape"/>.</summary>
    public Encoder(Backend backend, RandomGenerator random, StyleAlaeShape shape)
    {
        Shape = shape;
        _fromRgb = new FromRgb[shape.LayerCount];
        _blocks = new EncodeBlock[shape.LayerCount];
        for (int i = 0; i < shape.LayerCount; i++)
            _fromRgb[i] = AddModule($"from_rgb.{i}", new FromRgb(backend, random, shape.Channels, shape.EncoderInputChannels(i)));
        for (int i = 0; i < shape.LayerCount; i++)
            _blocks[i] = AddModule($"encode_block.{i}", new EncodeBlock(backend, random, shape, i));
    }

    /// <summary>The architecture.</summary>
    public StyleAlaeShape Shape { get; }

    /// <summary>
    /// Image [N, channels, 2^(lod+2), 2^(lod+2)] -> w [N, latent] at level of detail <paramref name="lod"/>, faded in
    /// with <paramref name="blend"/> in (0, 1] (1 = no transition; ignored at lod 0).
    /// </summary>
    /// <exception cref="ArgumentException">The image does not have the level's size or the level is out of range.</exception>
    public Tensor Forward(Tensor x, int lod, float blend)
    {
        Shape.RequireLod(lod);
        int side = StyleAlaeShape.Resolution(lod);
        if (x.Shape.Rank != 4 || x.Shape[1] != Shape.Channels || x.Shape[2] != side || x.Shape[3] != side)
            throw new ArgumentException($"E at level {lod} needs images [N, {Shape.Channels}, {side}, {side}], got {x.Shape}.", nameof(x));
        int top = Shape.LayerCount - 1 - lod;
        var (h, w) = _blocks[top].Forward(_fromRgb[top].Forward(x));
        if (blend < 1f && lod > 0)
        {
            w = w * blend;
            h = ElementwiseOp.Lerp(_fromRgb[top + 1].Forward(ResampleOp.AveragePool2x2(x)), h, blend);
        }
        for (int i = top + 1; i < Shape.LayerCount; i++)
        {
            var (next, style) = _blocks[i].Forward(h);
            (h, w) = (next, w + style);
        }
        return w;
    }
}
