namespace AlaeIlgpu.Ops;

/// <summary>
/// The style-network ops of StyleGAN/StyleALAE, composed from differentiable elementwise, reduce and shape ops, so
/// their first and second derivatives come from the ops they are made of: pixel norm, AdaIN modulation, noise
/// injection and minibatch standard deviation.
/// </summary>
public static class StyleOp
{
    /// <summary>
    /// x / sqrt(mean over channels of x^2 + eps), per sample (and per pixel for [N, C, H, W]).
    /// F applies it to z with eps 1e-8.
    /// </summary>
    public static Tensor PixelNorm(Tensor x, float epsilon = 1e-8f) =>
        x * ElementwiseOp.Rsqrt(ReduceOp.Mean(ElementwiseOp.Square(x), [1], keepDims: true) + epsilon);

    /// <summary>
    /// AdaIN modulation x * (1 + y_s) + y_b of x [N, C, H, W] by a style y [N, 2C] from a style affine layer:
    /// the first C values scale, the last C shift (ALAE's "1 +" form, so a zero style is the identity).
    /// </summary>
    /// <exception cref="ArgumentException">The style is not [N, 2C].</exception>
    public static Tensor StyleModulate(Tensor x, Tensor style)
    {
        int n = x.Shape[0], c = x.Shape[1];
        if (style.Shape.Rank != 2 || style.Shape[0] != n || style.Shape[1] != 2 * c)
            throw new ArgumentException($"style modulation: x {x.Shape} needs a style of shape [{n}, {2 * c}], got {style.Shape}.");
        var scale = ShapeOp.Reshape(ShapeOp.Slice(style, 1, 0, c), n, c, 1, 1);
        var shift = ShapeOp.Reshape(ShapeOp.Slice(style, 1, c, c), n, c, 1, 1);
        return x * (scale + 1f) + shift;
    }

    /// <summary>
    /// x + noise * weight: per-pixel noise [N, 1, H, W] broadcast over channels, scaled by a learned per-channel
    /// weight [C] (initialised to 0 in StyleALAE).
    /// </summary>
    /// <exception cref="ArgumentException">Noise or weight shapes do not fit x.</exception>
    public static Tensor AddNoise(Tensor x, Tensor noise, Tensor weight)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        if (!noise.Shape.Equals(new TensorShape(n, 1, h, w)) || !weight.Shape.Equals(new TensorShape(c)))
            throw new ArgumentException($"noise injection: x {x.Shape} needs noise [{n}, 1, {h}, {w}] and weight [{c}], got {noise.Shape} and {weight.Shape}.");
        return x + noise * ShapeOp.Reshape(weight, 1, c, 1, 1);
    }

    /// <summary>
    /// StyleGAN's minibatch standard deviation layer: with G = min(groupSize, N) and M = N / G, sample n joins group
    /// n mod M (StyleGAN's reshape(G, -1, C, H, W)); the standard deviation of each feature over a group's G samples
    /// is averaged over C, H, W and appended to each of its samples as one more channel:
    /// [N, C, H, W] -> [N, C + 1, H, W]. Used by the separate-discriminator ablation.
    /// </summary>
    /// <exception cref="ArgumentException">N is not a multiple of the group size.</exception>
    public static Tensor MinibatchStddev(Tensor x, int groupSize = 4, float epsilon = 1e-8f)
    {
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        int g = Math.Min(groupSize, n);
        if (n % g != 0) throw new ArgumentException($"minibatch stddev: batch {n} is not a multiple of the group size {g}.");
        int m = n / g;
        var grouped = ShapeOp.Reshape(x, g, m, c * h * w);                                   // [G, M, CHW]
        var centred = grouped - ReduceOp.Mean(grouped, [0], keepDims: true);
        var std = ElementwiseOp.Sqrt(ReduceOp.Mean(ElementwiseOp.Square(centred), [0]) + epsilon); // [M, CHW]
        var perGroup = ReduceOp.Mean(std, [1], keepDims: true);                               // [M, 1]
        var tiled = ReduceOp.Expand(ShapeOp.Reshape(perGroup, 1, m, 1, 1), new TensorShape(g, m, 1, h * w));
        return ShapeOp.Concat([x, ShapeOp.Reshape(tiled, n, 1, h, w)], 1);
    }
}
