using AlaeIlgpu.Backends;
using AlaeIlgpu.Nn;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// F: z -> w (net.py <c>MappingF</c>): pixel norm (eps 1e-8), then <c>MappingLayers</c> x
/// [equalized linear latent -> latent (lr x0.1, gain sqrt 2) + leaky ReLU 0.2], the last layer included. Official names
/// <c>map_blocks.i.fc.*</c>.
/// </summary>
public sealed class MappingF : Module
{
    private const float Slope = 0.2f;
    private const float LrMultiplier = 0.1f;
    private readonly EqualizedLinear[] _layers;

    /// <summary>Builds F for <paramref name="shape"/>.</summary>
    public MappingF(Backend backend, RandomGenerator random, StyleAlaeShape shape)
    {
        int d = shape.LatentSize;
        _layers = new EqualizedLinear[shape.MappingLayers];
        for (int i = 0; i < _layers.Length; i++)
            _layers[i] = AddModule($"map_blocks.{i}", new MappingBlock(backend, random, d, LrMultiplier)).Fc;
    }

    /// <summary>z [N, latent] -> w [N, latent] (one w; G repeats it over its style slots).</summary>
    public Tensor Forward(Tensor z)
    {
        var x = StyleOp.PixelNorm(z);
        foreach (var layer in _layers) x = layer.Forward(x, Slope);
        return x;
    }

    // The official MappingBlock wraps its linear layer as "fc".
    private sealed class MappingBlock : Module
    {
        public MappingBlock(Backend backend, RandomGenerator random, int width, float lrMultiplier) =>
            Fc = AddModule("fc", new EqualizedLinear(backend, random, width, width, lrMultiplier: lrMultiplier));

        public EqualizedLinear Fc { get; }
    }
}
