using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Mlp;
using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Alae.Training;

/// <summary>Pictures from a model (the EMA copy during training): samples, reconstructions and latent interpolations.</summary>
public sealed class MlpFigures(MlpAlae model, ulong seed)
{
    private const ulong FigureSeedOffset = 1000;

    /// <summary>G(F(z)) for a fixed set of z (the same every time, so grids over a run are comparable): [count, pixels].</summary>
    public float[] Samples(int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var backend = model.WAverage.Backend;
        var z = Tensor.RandomNormal(backend, new RandomGenerator(seed + FigureSeedOffset), count, model.Shape.Latent);
        return model.G.Forward(model.F.Forward(z)).ToArray();
    }

    /// <summary>The first <paramref name="count"/> images of <paramref name="set"/> and G(E(x)) of each, in alternating rows of 8.</summary>
    public float[] Reconstructions(MnistSet set, int count)
    {
        int pixels = set.PixelCount;
        float[] originals = set.Images.AsSpan(0, count * pixels).ToArray();
        float[] decoded = Decode(Encode(originals, count), count);
        const int PerRow = 8;
        var grid = new float[2 * count * pixels];
        for (int i = 0; i < count; i++)
        {
            int row = i / PerRow, col = i % PerRow;
            originals.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan(((2 * row) * PerRow + col) * pixels));
            decoded.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan(((2 * row + 1) * PerRow + col) * pixels));
        }
        return grid;
    }

    /// <summary>E(x) for images [count, pixels]: w [count, latent].</summary>
    public float[] Encode(float[] images, int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var x = Tensor.FromArray(model.WAverage.Backend, images, count, images.Length / count);
        return model.E.Forward(x).ToArray();
    }

    /// <summary>G(w) for latents [count, latent]: images [count, pixels].</summary>
    public float[] Decode(float[] w, int count)
    {
        using var _ = Autograd.NoGrad();
        using var scope = new TensorScope();
        var t = Tensor.FromArray(model.WAverage.Backend, w, count, model.Shape.Latent);
        return model.G.Forward(t).ToArray();
    }

    /// <summary>G(lerp(E(a), E(b), t)) for <paramref name="steps"/> values of t from 0 to 1: [steps, pixels].</summary>
    public float[] Interpolate(float[] a, float[] b, int steps)
    {
        float[] wa = Encode(a, 1), wb = Encode(b, 1);
        var w = new float[steps * wa.Length];
        for (int s = 0; s < steps; s++)
        {
            float t = steps == 1 ? 0f : (float)s / (steps - 1);
            for (int j = 0; j < wa.Length; j++) w[s * wa.Length + j] = wa[j] + (wb[j] - wa[j]) * t;
        }
        return Decode(w, steps);
    }
}
