using AlaeIlgpu.Autodiff;

namespace AlaeIlgpu.Alae.Style;

/// <summary>What G adds where the official generator draws noise.</summary>
public enum DecodeNoise
{
    /// <summary>The official code's deterministic stand-in (<see cref="GeneratorNoise.Off"/>).</summary>
    Off,

    /// <summary>Normal noise from a seed (the same pictures for the same seed), as the official figure scripts draw it.</summary>
    Random,
}

/// <summary>
/// Images to w and back with a StyleALAE (usually the EMA model of a run) at its level of detail and blend, a few
/// images at a time (fewer the larger they are) so that full-size images fit in memory: E(x) for images [N, C, R, R] in [-1, 1], and G(w) with w
/// repeated over the style slots, optionally truncated towards the style average.
/// </summary>
public static class LatentCodec
{
    /// <summary>Most images per pass through E or G.</summary>
    public const int MaxBatch = 4;

    // Pixels per pass: 4 images up to 256x256, one at 512 and above (one 1024x1024 image through G peaks near 3 GB on
    // cpu, three at once near 9 GB).
    private const int BatchPixels = MaxBatch * 256 * 256;

    /// <summary>The seed of G's noise when none is given.</summary>
    public const ulong DefaultNoiseSeed = 1;

    /// <summary>w = E(x) [count, latent] of images [count, pixels].</summary>
    public static float[] Encode(StyleAutoencoder model, float[] images, int count) =>
        Batched(images, count, model.ImageShape.Pixels, model.LatentSize, BatchFor(model), model.Encode);

    /// <summary>
    /// G(w) [count, pixels] of w [count, latent]: w over every slot, slots below the config's truncation cutoff moved
    /// to average + <paramref name="psi"/> (w - average) (1 = unchanged), and <paramref name="noise"/>. Random noise is
    /// one seeded stream over all the passes, so every image gets its own noise and the same seed the same images.
    /// </summary>
    public static float[] Decode(StyleAutoencoder model, float[] w, int count, double psi, DecodeNoise noise, ulong seed = DefaultNoiseSeed)
    {
        if (psi is < 0 or > 1) throw new ArgumentException($"--psi {psi} must be between 0 and 1.");
        var truncated = model.WithTruncation(psi);
        var generatorNoise = noise == DecodeNoise.Off ? GeneratorNoise.Off : GeneratorNoise.From(new RandomGenerator(seed));
        return Batched(w, count, model.LatentSize, model.ImageShape.Pixels, BatchFor(model), (chunk, n) =>
        {
            using var _ = Autograd.NoGrad();
            using var scope = new TensorScope();
            return truncated.DecodeStyles(chunk, n, generatorNoise);
        });
    }

    /// <summary>Images per pass for <paramref name="model"/>'s side: <see cref="MaxBatch"/> for small images, down to one at 512x512 and above.</summary>
    public static int BatchFor(StyleAutoencoder model) =>
        Math.Clamp(BatchPixels / (model.ImageShape.Height * model.ImageShape.Width), 1, MaxBatch);

    // f over chunks of batch rows of input [count, inSize], concatenated: [count, outSize].
    private static float[] Batched(float[] input, int count, int inSize, int outSize, int batch, Func<float[], int, float[]> f)
    {
        if (input.Length != (long)count * inSize)
            throw new ArgumentException($"{input.Length} values are not {count} rows of {inSize}.");
        var output = new float[(long)count * outSize];
        for (int first = 0; first < count; first += batch)
        {
            int n = Math.Min(batch, count - first);
            f(input[(first * inSize)..((first + n) * inSize)], n).CopyTo(output.AsSpan(first * outSize, n * outSize));
        }
        return output;
    }
}
