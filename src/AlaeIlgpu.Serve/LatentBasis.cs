namespace AlaeIlgpu.Serve;

/// <summary>
/// Encoded held-out images and the principal directions of their w: the mean, the leading eigenvectors of the
/// covariance (power iteration with deflation, from fixed start vectors, so the same w give the same basis) and the
/// standard deviation of w along each. The Explore page's sliders move w along these directions in units of that deviation.
/// </summary>
internal sealed class LatentBasis
{
    // Power iterations per direction: the covariance is small (latent x latent) and the leading gaps are wide.
    private const int Iterations = 200;

    /// <summary>Encoded images [count, latent], the ends of the Explore page's walks.</summary>
    public float[] Latents { get; }

    /// <summary>Images encoded.</summary>
    public int Count { get; }

    /// <summary>dim w.</summary>
    public int LatentSize { get; }

    /// <summary>Mean w [latent].</summary>
    public double[] Mean { get; }

    /// <summary>Unit directions [k][latent], by decreasing variance.</summary>
    public double[][] Directions { get; }

    /// <summary>Standard deviation of w along each direction [k].</summary>
    public double[] Deviations { get; }

    /// <summary>The basis of <paramref name="count"/> latents [count, latentSize] with <paramref name="directions"/> directions (at most latentSize).</summary>
    public LatentBasis(float[] latents, int count, int latentSize, int directions)
    {
        if (count < 2) throw new ArgumentException($"A principal direction needs at least 2 encoded images, not {count}.", nameof(count));
        (Latents, Count, LatentSize) = (latents, count, latentSize);
        Mean = new double[latentSize];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < latentSize; j++) Mean[j] += latents[i * latentSize + j] / (double)count;
        double[,] covariance = Covariance(latents, count, latentSize, Mean);   // [latent, latent]
        int k = Math.Min(directions, latentSize);
        Directions = new double[k][];
        Deviations = new double[k];
        for (int d = 0; d < k; d++)
        {
            (Directions[d], double variance) = Leading(covariance, d);
            Deviations[d] = Math.Sqrt(Math.Max(variance, 0));
            Deflate(covariance, Directions[d], variance);
        }
    }

    /// <summary>
    /// w = lerp(w_from, w_to, t) + sum_i offsets[i] * deviation_i * direction_i: [latent] (offsets in deviations;
    /// fewer offsets than directions leave the rest at 0).
    /// </summary>
    public float[] Point(int from, int to, double t, IReadOnlyList<double> offsets)
    {
        var w = new float[LatentSize];
        for (int j = 0; j < LatentSize; j++)
        {
            double a = Latents[from * LatentSize + j], b = Latents[to * LatentSize + j];
            double value = a + (b - a) * t;
            for (int d = 0; d < offsets.Count; d++) value += offsets[d] * Deviations[d] * Directions[d][j];
            w[j] = (float)value;
        }
        return w;
    }

    private static double[,] Covariance(float[] latents, int count, int size, double[] mean)
    {
        var covariance = new double[size, size];
        var centred = new double[size];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < size; j++) centred[j] = latents[i * size + j] - mean[j];
            for (int a = 0; a < size; a++)
                for (int b = 0; b < size; b++) covariance[a, b] += centred[a] * centred[b] / (count - 1);
        }
        return covariance;
    }

    // The leading eigenvector of a symmetric positive semi-definite matrix and its eigenvalue.
    private static (double[] Vector, double Value) Leading(double[,] matrix, int seed)
    {
        int n = matrix.GetLength(0);
        var v = new double[n];
        for (int j = 0; j < n; j++) v[j] = 1.0 + 0.01 * ((j * 7919 + seed * 104729) % 97);   // fixed, not orthogonal to any axis
        Normalize(v);
        double value = 0;
        for (int it = 0; it < Iterations; it++)
        {
            var next = Multiply(matrix, v);
            value = Dot(v, next);
            if (Normalize(next) == 0) return (v, 0);
            v = next;
        }
        return (v, value);
    }

    private static void Deflate(double[,] matrix, double[] v, double value)
    {
        int n = v.Length;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) matrix[a, b] -= value * v[a] * v[b];
    }

    private static double[] Multiply(double[,] matrix, double[] v)
    {
        int n = v.Length;
        var result = new double[n];
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) result[a] += matrix[a, b] * v[b];
        return result;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    private static double Normalize(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        if (norm > 0) for (int j = 0; j < v.Length; j++) v[j] /= norm;
        return norm;
    }
}
