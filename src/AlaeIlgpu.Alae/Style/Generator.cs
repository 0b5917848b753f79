using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// G: styles -> image (net.py <c>Generator</c>). A learned constant [1, C0, 4, 4] (init ones)
/// runs through blocks 0..lod; ToRGB of the last block gives the image at 2^(lod+2) pixels. During a fade-in
/// (blend &lt; 1) the output is lerp(nearest_up(ToRGB_{lod-1}(block lod-1)), ToRGB_lod(block lod), blend).
/// Parameter names are official: <c>const</c>, <c>decode_block.i.*</c>, <c>to_rgb.i.to_rgb.*</c>.
/// </summary>
public sealed class Generator : Module
{
    private readonly Parameter _const;
    private readonly GeneratorBlock[] _blocks;
    private readonly ToRgb[] _toRgb;

    /// <summary>Builds G for <paramref name="shape"/> (its <see cref="StyleAlaeShape.Variant"/> picks the block type).</summary>
    public Generator(Backend backend, RandomGenerator random, StyleAlaeShape shape)
    {
        Shape = shape;
        _const = AddParameter("const", Tensor.Full(backend, 1f, 1, shape.GeneratorChannels(0), 4, 4));
        _blocks = new GeneratorBlock[shape.LayerCount];
        _toRgb = new ToRgb[shape.LayerCount];
        for (int i = 0; i < shape.LayerCount; i++)
        {
            _blocks[i] = AddModule<GeneratorBlock>($"decode_block.{i}", shape.Variant == GeneratorVariant.ModConv
                ? new ModulatedDecodeBlock(backend, random, shape, i)
                : new DecodeBlock(backend, random, shape, i));
        }
        for (int i = 0; i < shape.LayerCount; i++)
            _toRgb[i] = AddModule($"to_rgb.{i}", new ToRgb(backend, random, shape.GeneratorChannels(i), shape.Channels));
    }

    /// <summary>The architecture.</summary>
    public StyleAlaeShape Shape { get; }

    /// <summary>
    /// Styles [N, 2 LayerCount, latent] -> image [N, channels, 2^(lod+2), 2^(lod+2)] at level of detail
    /// <paramref name="lod"/>, faded in with <paramref name="blend"/> in (0, 1] (1 = no transition; ignored at lod 0).
    /// </summary>
    /// <exception cref="ArgumentException">The styles are not [N, slots, latent] or the level is out of range.</exception>
    public Tensor Forward(Tensor styles, int lod, float blend, GeneratorNoise noise)
    {
        Shape.RequireLod(lod);
        if (styles.Shape.Rank != 3 || styles.Shape[1] != Shape.StyleSlots || styles.Shape[2] != Shape.LatentSize)
            throw new ArgumentException($"G needs styles [N, {Shape.StyleSlots}, {Shape.LatentSize}], got {styles.Shape}.", nameof(styles));
        int n = styles.Shape[0];
        var x = ReduceOp.Expand(_const.Value, new TensorShape(n, _const.Value.Shape[1], 4, 4));   // [N, C0, 4, 4]
        bool fading = blend < 1f && lod > 0;
        for (int i = 0; i < lod; i++) x = Block(i, x, styles, noise);
        var previous = fading ? _toRgb[lod - 1].Forward(x) : null;
        var image = _toRgb[lod].Forward(Block(lod, x, styles, noise));
        return previous is null ? image : ElementwiseOp.Lerp(ResampleOp.UpsampleNearest2x(previous), image, blend);
    }

    /// <summary>One w [N, latent] repeated over every style slot (as F's output is), then <see cref="Forward(Tensor, int, float, GeneratorNoise)"/>.</summary>
    public Tensor ForwardW(Tensor w, int lod, float blend, GeneratorNoise noise) =>
        Forward(StyleSlots.Broadcast(w, Shape.StyleSlots), lod, blend, noise);

    private Tensor Block(int i, Tensor x, Tensor styles, GeneratorNoise noise) =>
        _blocks[i].Forward(x, StyleSlots.Slot(styles, 2 * i), StyleSlots.Slot(styles, 2 * i + 1), noise);
}
