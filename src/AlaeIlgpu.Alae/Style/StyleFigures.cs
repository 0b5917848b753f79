using AlaeIlgpu.Alae.Training;

namespace AlaeIlgpu.Alae.Style;

/// <summary>StyleALAE's own figures: the style-mixing grid and the fade-in strip.</summary>
public static class StyleFigures
{
    /// <summary>Rows and columns of the mixing grid written during training.</summary>
    public const int MixingSources = 5;

    /// <summary>Rows (latents) and columns (blend values from 0 to 1) of the fade-in strip.</summary>
    public const int FadeInRows = 4, FadeInSteps = 5;

    private const ulong MixingSeedOffset = 2000, FadeInSeedOffset = 3000;

    /// <summary>
    /// Writes a style-mixing grid to <paramref name="path"/>: the left column holds the images whose coarse styles
    /// (the slots below <paramref name="cutoff"/>; default: the first half of the active slots) each row takes, the
    /// top row the images whose fine styles each column takes, and each inner cell the mix.
    /// </summary>
    /// <exception cref="ArgumentException">The cutoff is outside [1, slots - 1] or a count is not positive.</exception>
    public static void SaveMixingGrid(string path, StyleAutoencoder model, ulong seed, int rows = MixingSources, int columns = MixingSources, int? cutoff = null)
    {
        int slots = model.Model.Shape.StyleSlots, split = cutoff ?? Math.Max(1, model.ActiveSlots / 2);
        if (split < 1 || split >= slots) throw new ArgumentException($"--cutoff {split} must be between 1 and {slots - 1} (the model has {slots} style slots).");
        if (rows < 1 || columns < 1) throw new ArgumentException($"A mixing grid needs at least one row and column, got {rows} x {columns}.");
        ulong s = seed + MixingSeedOffset;
        float[] mixed = model.Mix(rows, columns, split, s);
        float[] coarseSources = model.Mix(rows, 1, slots, s);   // [rows]: every slot from the row's latent
        float[] fineSources = model.Mix(1, columns, 0, s);      // [columns]: every slot from the column's latent
        int pixels = model.ImageShape.Pixels, width = columns + 1;
        var grid = new float[(rows + 1) * width * pixels];
        Array.Fill(grid, model.PixelRange.Low);
        for (int c = 0; c < columns; c++) fineSources.AsSpan(c * pixels, pixels).CopyTo(grid.AsSpan((c + 1) * pixels));
        for (int r = 0; r < rows; r++)
        {
            coarseSources.AsSpan(r * pixels, pixels).CopyTo(grid.AsSpan((r + 1) * width * pixels));
            mixed.AsSpan(r * columns * pixels, columns * pixels).CopyTo(grid.AsSpan(((r + 1) * width + 1) * pixels));
        }
        AutoencoderFigures.SaveGrid(path, model, grid, (rows + 1) * width, width);
    }

    /// <summary>
    /// Writes a fade-in strip to <paramref name="path"/>: each row one latent drawn at <paramref name="model"/>'s level
    /// with the blend going from 0 (the level below, upsampled) to 1 (the new block alone) across the columns, the
    /// same latent and noise in every column, so a row shows exactly what the level's new block adds.
    /// </summary>
    /// <exception cref="ArgumentException">The model is at level 0 (nothing fades in) or a count is below its minimum.</exception>
    public static void SaveFadeInStrip(string path, StyleAutoencoder model, ulong seed, int rows = FadeInRows, int steps = FadeInSteps)
    {
        if (model.Lod == 0) throw new ArgumentException("Level 0 (4x4) has no fade-in: pick a level of 1 or more.");
        if (rows < 1 || steps < 2) throw new ArgumentException($"A fade-in strip needs at least one row and two steps, got {rows} x {steps}.");
        int pixels = model.ImageShape.Pixels;
        var grid = new float[rows * steps * pixels];
        for (int c = 0; c < steps; c++)
        {
            float[] images = model.At(model.Lod, c / (float)(steps - 1)).Sample(rows, seed + FadeInSeedOffset);   // [rows, pixels]
            for (int r = 0; r < rows; r++) images.AsSpan(r * pixels, pixels).CopyTo(grid.AsSpan((r * steps + c) * pixels));
        }
        AutoencoderFigures.SaveGrid(path, model, grid, rows * steps, steps);
    }
}
