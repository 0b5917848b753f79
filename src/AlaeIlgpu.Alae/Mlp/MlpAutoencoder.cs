using AlaeIlgpu.Alae.Training;
using AlaeIlgpu.Autodiff;

namespace AlaeIlgpu.Alae.Mlp;

/// <summary>An MLP ALAE (usually the EMA copy) as an <see cref="IAutoencoder"/>: images [count, C*H*W] in [0, 1].</summary>
public sealed class MlpAutoencoder(MlpAlae model, ImageShape imageShape) : IAutoencoder
{
    /// <inheritdoc />
    public ImageShape ImageShape { get; } = imageShape.Pixels == model.Shape.Pixels
        ? imageShape
        : throw new ArgumentException($"Image shape {imageShape} has {imageShape.Pixels} values, the model {model.Shape.Pixels}.", nameof(imageShape));

    /// <inheritdoc />
    public (float Low, float High) PixelRange => (0f, 1f);

    /// <inheritdoc />
    public int LatentSize => model.Shape.Latent;

    /// <inheritdoc />
    public float[] Sample(int count, ulong seed)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var z = Tensor.RandomNormal(model.WAverage.Backend, new RandomGenerator(seed), count, LatentSize);   // [count, latent]
        return model.G.Forward(model.F.Forward(z)).ToArray();
    }

    /// <inheritdoc />
    public float[] Encode(float[] images, int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var x = Tensor.FromArray(model.WAverage.Backend, images, count, ImageShape.Pixels);   // [count, pixels]
        return model.E.Forward(x).ToArray();
    }

    /// <inheritdoc />
    public float[] Decode(float[] latents, int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var w = Tensor.FromArray(model.WAverage.Backend, latents, count, LatentSize);   // [count, latent]
        return model.G.Forward(w).ToArray();
    }
}
