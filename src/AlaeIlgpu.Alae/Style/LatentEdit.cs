using System.Globalization;
using AlaeIlgpu.Alae.IO;

namespace AlaeIlgpu.Alae.Style;

/// <summary>
/// Moving encoded images along a direction in w (the official repository ships principal directions of FFHQ
/// attributes as <c>.npy</c> float64 [latent]): w + s d for each step s.
/// </summary>
public static class LatentEdit
{
    /// <summary>
    /// Parses <c>FROM:TO:COUNT</c> (e.g. <c>-3:3:7</c>) into COUNT evenly spaced steps from FROM to TO (COUNT 1 gives FROM);
    /// <paramref name="option"/> names the option in errors.
    /// </summary>
    /// <exception cref="ArgumentException">The text is not of that form, a bound is not finite, or COUNT is not a positive integer.</exception>
    public static float[] ParseSteps(string text, string option)
    {
        var parts = text.Split(':');
        var invariant = CultureInfo.InvariantCulture;
        if (parts.Length != 3
            || !double.TryParse(parts[0], NumberStyles.Float, invariant, out double from) || !double.IsFinite(from)
            || !double.TryParse(parts[1], NumberStyles.Float, invariant, out double to) || !double.IsFinite(to)
            || !int.TryParse(parts[2], NumberStyles.None, invariant, out int count) || count < 1)
            throw new ArgumentException($"{option} '{text}' must be FROM:TO:COUNT with numbers FROM and TO and a positive whole COUNT, e.g. -3:3:7.");
        return Enumerable.Range(0, count).Select(i => (float)(count == 1 ? from : from + (to - from) * i / (count - 1))).ToArray();
    }

    /// <summary>
    /// Reads a direction [latent] (or [1, latent]) from the <c>.npy</c> <paramref name="path"/> (float32 or float64);
    /// <paramref name="option"/> names the option in errors.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not such an array, or its length is not <paramref name="latentSize"/>.</exception>
    public static float[] ReadDirection(string path, int latentSize, string option)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{option} {path}: no such file.");
        var array = NpyFile.Read(path);
        bool fits = array.Shape is [var n] && n == latentSize || array.Shape is [1, var m] && m == latentSize;
        if (!fits)
            throw new InvalidDataException($"{option} {path}: shape ({string.Join(", ", array.Shape)}), the model needs a direction of shape ({latentSize},) (its latent size).");
        return array.Data;
    }

    /// <summary>w [count, latent] moved by each step along <paramref name="direction"/>: [count * steps, latent], image-major (one row of steps per image).</summary>
    public static float[] Walk(float[] w, int count, float[] direction, float[] steps)
    {
        int latent = direction.Length;
        var result = new float[(long)count * steps.Length * latent];
        for (int i = 0; i < count; i++)
            for (int s = 0; s < steps.Length; s++)
                for (int j = 0; j < latent; j++)
                    result[(i * steps.Length + s) * latent + j] = w[i * latent + j] + steps[s] * direction[j];
        return result;
    }
}
