using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// What G adds after each of its convolutions: per-pixel normal noise drawn from a seeded <see cref="RandomGenerator"/>
/// (the same numbers on every backend), or, with noise off, the official code's deterministic stand-in
/// x + s exp(-x^2 / (2 s^2)) / sqrt(2 pi) * 0.8 with s = sqrt(block + 1) (net.py, DecodeBlock), which the official
/// fixtures were made with.
/// </summary>
public sealed class GeneratorNoise
{
    private GeneratorNoise(RandomGenerator? random) => Random = random;

    /// <summary>Noise off: the deterministic function of x.</summary>
    public static GeneratorNoise Off { get; } = new(null);

    /// <summary>Per-pixel normal noise [N, 1, H, W] from <paramref name="random"/>, scaled by the learned per-channel weights.</summary>
    public static GeneratorNoise From(RandomGenerator random) => new(random);

    /// <summary>The generator noise is drawn from, or null when noise is off.</summary>
    public RandomGenerator? Random { get; }

    /// <summary>x [N, C, H, W] with the noise of G's block <paramref name="block"/> added; <paramref name="weight"/> is [1, C, 1, 1].</summary>
    public Tensor Apply(Tensor x, Tensor weight, int block)
    {
        if (Random is null)
        {
            float s = MathF.Sqrt(block + 1);
            var bump = ElementwiseOp.Exp(ElementwiseOp.Square(x) * (-1f / (2f * s * s)));
            return x + bump * (s * 0.8f / MathF.Sqrt(2f * MathF.PI));
        }
        int n = x.Shape[0], c = x.Shape[1];
        var noise = Tensor.RandomNormal(x.Backend, Random, n, 1, x.Shape[2], x.Shape[3]);   // [N, 1, H, W]
        return StyleOp.AddNoise(x, noise, ShapeOp.Reshape(weight, c));
    }
}
