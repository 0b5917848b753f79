using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// D: w -> logit (net.py <c>MappingD</c>): three equalized linear layers latent -> latent ->
/// latent -> 2 latent (lr x0.1, gain sqrt 2) with no activations, so D is affine in w; the logit is output unit
/// <c>latent</c>. Official names <c>map_blocks.i.*</c>.
/// </summary>
public sealed class MappingD : Module
{
    private const float LrMultiplier = 0.1f;
    private readonly EqualizedLinear[] _layers;
    private readonly int _logitUnit;

    /// <summary>Builds D for <paramref name="shape"/>.</summary>
    public MappingD(Backend backend, RandomGenerator random, StyleAlaeShape shape)
    {
        int d = shape.LatentSize;
        _logitUnit = d;
        _layers = new EqualizedLinear[StyleAlaeShape.DiscriminatorLayers];
        for (int i = 0; i < _layers.Length; i++)
        {
            int outputs = i == _layers.Length - 1 ? 2 * d : d;
            _layers[i] = AddModule($"map_blocks.{i}", new EqualizedLinear(backend, random, d, outputs, lrMultiplier: LrMultiplier));
        }
    }

    /// <summary>w [N, latent] -> logit [N, 1].</summary>
    public Tensor Forward(Tensor w)
    {
        var x = w;
        foreach (var layer in _layers) x = layer.Forward(x);
        return ShapeOp.Slice(x, 1, _logitUnit, 1);
    }
}
