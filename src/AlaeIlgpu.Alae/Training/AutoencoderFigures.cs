using AlaeIlgpu.Alae.Imaging;

namespace AlaeIlgpu.Alae.Training;

/// <summary>Pictures from any <see cref="IAutoencoder"/>: sample grids, reconstructions and latent interpolations.</summary>
public static class AutoencoderFigures
{
    /// <summary>Samples in a training sample grid.</summary>
    public const int GridSamples = 64;

    /// <summary>Held-out images (each beside its reconstruction) in a training reconstruction grid.</summary>
    public const int GridReconstructions = 32;

    /// <summary>Images per grid row.</summary>
    public const int Columns = 8;

    // Figures draw z from seed + this offset, so they never share noise with training (which uses seed + 2).
    private const ulong FigureSeedOffset = 1000;

    /// <summary>Samples for a run seeded with <paramref name="seed"/> (the same every time, so grids over a run are comparable): [count, pixels].</summary>
    public static float[] Samples(IAutoencoder model, int count, ulong seed) => model.Sample(count, seed + FigureSeedOffset);

    /// <summary>
    /// Images [count, pixels] and G(E(x)) of each, in alternating rows of <see cref="Columns"/>; a last partial row
    /// is padded with blank (low) images. Returns the grid and its image count.
    /// </summary>
    public static (float[] Images, int Count) Reconstructions(IAutoencoder model, float[] originals, int count) =>
        ReconstructionGrid(model, originals, model.Decode(model.Encode(originals, count), count), count);

    /// <summary>
    /// Images [count, pixels] and their reconstructions <paramref name="decoded"/> [count, pixels] in alternating rows
    /// of <paramref name="columns"/>, as <see cref="Reconstructions"/> lays them out. Returns the grid and its image count.
    /// </summary>
    public static (float[] Images, int Count) ReconstructionGrid(IAutoencoder model, float[] originals, float[] decoded, int count, int columns = Columns)
    {
        int pixels = model.ImageShape.Pixels, rows = (count + columns - 1) / columns;
        var grid = new float[2 * rows * columns * pixels];
        Array.Fill(grid, model.PixelRange.Low);
        for (int i = 0; i < count; i++)
        {
            int row = i / columns, col = i % columns;
            originals.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan((2 * row * columns + col) * pixels));
            decoded.AsSpan(i * pixels, pixels).CopyTo(grid.AsSpan(((2 * row + 1) * columns + col) * pixels));
        }
        return (grid, 2 * rows * columns);
    }

    /// <summary>G(lerp(E(a), E(b), t)) for <paramref name="steps"/> values of t from 0 to 1: [steps, pixels].</summary>
    public static float[] Interpolate(IAutoencoder model, float[] a, float[] b, int steps)
    {
        float[] wa = model.Encode(a, 1), wb = model.Encode(b, 1);
        var w = new float[steps * wa.Length];
        for (int s = 0; s < steps; s++)
        {
            float t = steps == 1 ? 0f : (float)s / (steps - 1);
            for (int j = 0; j < wa.Length; j++) w[s * wa.Length + j] = wa[j] + (wb[j] - wa[j]) * t;
        }
        return model.Decode(w, steps);
    }

    /// <summary>Writes images [count, pixels] of <paramref name="model"/>'s shape and range as a PNG grid.</summary>
    public static void SaveGrid(string path, IAutoencoder model, float[] images, int count, int columns = Columns)
    {
        var (c, h, w) = model.ImageShape;
        var (low, high) = model.PixelRange;
        ImageGrid.SavePng(path, images, count, c, h, w, columns, low, high, GridLayout.For(h));
    }

    /// <summary>Writes images [count, pixels] of <paramref name="model"/>'s shape and range as a PNG grid to <paramref name="stream"/>.</summary>
    public static void WriteGrid(Stream stream, IAutoencoder model, float[] images, int count, int columns, GridLayout layout)
    {
        var (c, h, w) = model.ImageShape;
        var (low, high) = model.PixelRange;
        ImageGrid.WritePng(stream, images, count, c, h, w, columns, low, high, layout);
    }

    /// <summary>
    /// The training figures for <paramref name="iteration"/>: the sample grid and, when <paramref name="heldOut"/>
    /// [n, pixels] holds images, the reconstructions of up to <see cref="GridReconstructions"/> of them.
    /// </summary>
    public static void SaveTrainingGrids(RunDirectory run, int iteration, IAutoencoder model, ulong seed, float[] heldOut)
    {
        SaveGrid(run.SamplesPath(iteration), model, Samples(model, GridSamples, seed), GridSamples);
        int count = Math.Min(GridReconstructions, heldOut.Length / model.ImageShape.Pixels);
        if (count == 0) return;
        var (grid, images) = Reconstructions(model, heldOut, count);
        SaveGrid(run.ReconstructionsPath(iteration), model, grid, images);
    }
}
