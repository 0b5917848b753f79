using AlaeIlgpu.Alae.Config;
using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// A StyleALAE (usually the EMA copy) at one level of detail and blend as an <see cref="IAutoencoder"/>: images
/// [count, C*R*R] in [-1, 1] with R = 2^(lod + 2). Samples use the truncation trick (psi, cutoff) as the official
/// figure scripts; reconstructions do not. G's noise is drawn from a generator seeded per call, so a figure is the
/// same every time it is drawn.
/// </summary>
public sealed class StyleAutoencoder(StyleAlae model, int lod, float blend, StyleModelConfig settings) : IAutoencoder
{
    private const ulong NoiseSeedOffset = 7919;

    /// <summary>The networks.</summary>
    public StyleAlae Model { get; } = model;

    /// <summary>The level of detail images are drawn at.</summary>
    public int Lod { get; } = lod;

    /// <inheritdoc />
    public ImageShape ImageShape { get; } = new(model.Shape.Channels, StyleAlaeShape.Resolution(lod), StyleAlaeShape.Resolution(lod));

    /// <inheritdoc />
    public (float Low, float High) PixelRange => (-1f, 1f);

    /// <inheritdoc />
    public int LatentSize => Model.Shape.LatentSize;

    /// <summary>The same model sampling with truncation psi <paramref name="psi"/> (1 = no truncation) on the configured slots.</summary>
    public StyleAutoencoder WithTruncation(double psi) => new(Model, Lod, blend, settings with { TruncationPsi = psi });

    /// <summary>
    /// The same model drawing at level <paramref name="level"/> with blend <paramref name="alpha"/> (0: the level
    /// below upsampled, 1: the new block alone).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The level is outside the model's or the blend outside [0, 1].</exception>
    public StyleAutoencoder At(int level, float alpha)
    {
        StyleAlaeShape.Resolution(level);
        if (level >= Model.Shape.LayerCount) throw new ArgumentOutOfRangeException(nameof(level), $"Level {level} is above the model's top level {Model.Shape.LayerCount - 1}.");
        if (alpha is < 0f or > 1f) throw new ArgumentOutOfRangeException(nameof(alpha), $"Blend {alpha} must be in [0, 1].");
        return new(Model, level, alpha, settings);
    }

    /// <summary>Style slots active at this level: two per block up to <see cref="Lod"/>.</summary>
    public int ActiveSlots => 2 * (Lod + 1);

    /// <inheritdoc />
    public float[] Sample(int count, ulong seed)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var z = Tensor.RandomNormal(Model.StyleAverage.Backend, new RandomGenerator(seed), count, LatentSize);   // [count, latent]
        return Model.G.Forward(Styles(z), Lod, blend, Noise(seed)).ToArray();
    }

    /// <summary>
    /// A style-mixing grid's images: for each pair (row r, column c), G with the slots below <paramref name="cutoff"/>
    /// (the coarse styles) from latent r of the first set and the rest from latent c of the second:
    /// [rows * columns, pixels], row-major.
    /// </summary>
    public float[] Mix(int rows, int columns, int cutoff, ulong seed)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var backend = Model.StyleAverage.Backend;
        var random = new RandomGenerator(seed);
        var coarse = Styles(Tensor.RandomNormal(backend, random, rows, LatentSize));    // [rows, slots, latent]
        var fine = Styles(Tensor.RandomNormal(backend, random, columns, LatentSize));   // [columns, slots, latent]
        int slots = Model.Shape.StyleSlots;
        var rowIndex = Enumerable.Range(0, rows * columns).Select(i => i / columns).ToArray();
        var columnIndex = Enumerable.Range(0, rows * columns).Select(i => i % columns).ToArray();
        var first = ShapeOp.Reshape(ShapeOp.GatherRows(ShapeOp.Reshape(coarse, rows, slots * LatentSize), rowIndex), rows * columns, slots, LatentSize);
        var second = ShapeOp.Reshape(ShapeOp.GatherRows(ShapeOp.Reshape(fine, columns, slots * LatentSize), columnIndex), rows * columns, slots, LatentSize);
        return Model.G.Forward(StyleSlots.Mix(first, second, cutoff), Lod, blend, Noise(seed)).ToArray();
    }

    /// <inheritdoc />
    public float[] Encode(float[] images, int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var x = Tensor.FromArray(Model.StyleAverage.Backend, images, count, ImageShape.Channels, ImageShape.Height, ImageShape.Width);
        return Model.E.Forward(x, Lod, blend).ToArray();
    }

    /// <inheritdoc />
    public float[] Decode(float[] latents, int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var w = Tensor.FromArray(Model.StyleAverage.Backend, latents, count, LatentSize);   // [count, latent]
        return Model.G.ForwardW(w, Lod, blend, Noise(0)).ToArray();
    }

    /// <summary>
    /// G(w) [count, pixels] of w [count, latent] repeated over the slots and truncated as <see cref="Sample"/> truncates
    /// (psi and cutoff of the settings), with <paramref name="noise"/>. The caller holds the tensor scope and no-grad.
    /// </summary>
    public float[] DecodeStyles(float[] latents, int count, GeneratorNoise noise)
    {
        var w = Tensor.FromArray(Model.StyleAverage.Backend, latents, count, LatentSize);   // [count, latent]
        return Model.G.Forward(Truncated(w), Lod, blend, noise).ToArray();
    }

    // F(z) repeated over the slots, truncated toward the running average on the first cutoff slots.
    private Tensor Styles(Tensor z) => Truncated(Model.F.Forward(z));

    // w [N, latent] repeated over the slots [N, slots, latent], truncated toward the running average on the first cutoff
    // slots (psi 1 leaves w exactly as it is).
    private Tensor Truncated(Tensor w)
    {
        var styles = StyleSlots.Broadcast(w, Model.Shape.StyleSlots);
        return settings.TruncationPsi == 1 ? styles
            : StyleSlots.Truncate(styles, Model.StyleAverage, (float)settings.TruncationPsi, settings.TruncationCutoff);
    }

    private static GeneratorNoise Noise(ulong seed) => GeneratorNoise.From(new RandomGenerator(seed + NoiseSeedOffset));
}
