namespace AlaeIlgpu.Alae.Training;

/// <summary>The shape of one image, channels first.</summary>
/// <param name="Channels">Colour channels (1 or 3).</param>
/// <param name="Height">Rows.</param>
/// <param name="Width">Columns.</param>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>Values per image: C * H * W.</summary>
    public int Pixels => Channels * Height * Width;

    /// <inheritdoc />
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>
/// A trained autoencoder seen from figures and commands, whatever the model family: images are float arrays
/// [count, C*H*W] in <see cref="PixelRange"/>, latents are w [count, <see cref="LatentSize"/>].
/// </summary>
public interface IAutoencoder
{
    /// <summary>The shape of the images the model reads and writes.</summary>
    ImageShape ImageShape { get; }

    /// <summary>The pixel values shown as black and white (or 0 and full intensity).</summary>
    (float Low, float High) PixelRange { get; }

    /// <summary>dim w.</summary>
    int LatentSize { get; }

    /// <summary>G(F(z)) for <paramref name="count"/> latents z drawn from a generator seeded with <paramref name="seed"/>: [count, pixels].</summary>
    float[] Sample(int count, ulong seed);

    /// <summary>E(x) for images [count, pixels]: w [count, latent].</summary>
    float[] Encode(float[] images, int count);

    /// <summary>G(w) for latents [count, latent]: images [count, pixels].</summary>
    float[] Decode(float[] latents, int count);
}

/// <summary>Held-out images a run's figures and commands may show (read on demand, never uploaded whole).</summary>
public interface IHeldOutImages
{
    /// <summary>Images available.</summary>
    int Count { get; }

    /// <summary>Images <paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/> - 1: [count, pixels].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the set.</exception>
    float[] Read(int first, int count);
}
