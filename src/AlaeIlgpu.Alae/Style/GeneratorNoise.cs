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
            return x + StandIn(x, block);
        }
        int n = x.Shape[0], c = x.Shape[1];
        var noise = Tensor.RandomNormal(x.Backend, Random, n, 1, x.Shape[2], x.Shape[3]);   // [N, 1, H, W]
        return StyleOp.AddNoise(x, noise, ShapeOp.Reshape(weight, c));
    }

    // s exp(-x^2 / (2 s^2)) / sqrt(2 pi) * 0.8 in the official float32 op order, with true divisions: G's first block
    // normalises const + this over 4x4 planes of tiny variance, where one ulp here moves the image by ~1e-4.
    private static Tensor StandIn(Tensor x, int block)
    {
        double s = Math.Sqrt(block + 1);
        var exponent = ElementwiseOp.Square(x) / Tensor.Scalar(x.Backend, (float)(-2.0 * s * s));
        return ElementwiseOp.Exp(exponent) * (float)s / Tensor.Scalar(x.Backend, (float)Math.Sqrt(2.0 * Math.PI)) * 0.8f;
    }
}
