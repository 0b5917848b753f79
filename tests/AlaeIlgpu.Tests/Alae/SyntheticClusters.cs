using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Alae;

/// <summary>Gaussian clusters, one per class, for classifier tests.</summary>
internal static class SyntheticClusters
{
    /// <summary>
    /// <paramref name="count"/> points in <paramref name="d"/> dimensions; class k's centre has
    /// <paramref name="separation"/> at coordinate k mod d, and every coordinate gets N(0, noise²).
    /// </summary>
    public static (float[] X, int[] Labels) Make(int count, int d, int classes, double separation, double noise, ulong seed)
    {
        var random = new SplitMix64(seed);
        float[] x = new float[count * d];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % classes;
            for (int k = 0; k < d; k++)
            {
                double centre = k == labels[i] % d ? separation : 0;
                x[i * d + k] = (float)(centre + noise * Gaussian(random));
            }
        }
        return (x, labels);
    }

    /// <summary>A standard normal sample (Box-Muller).</summary>
    public static double Gaussian(SplitMix64 random)
    {
        double u1 = (random.NextUInt64() >> 11) * (1.0 / (1UL << 53)) + 1e-300;
        double u2 = (random.NextUInt64() >> 11) * (1.0 / (1UL << 53));
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
