using AlaeIlgpu.Alae.Evaluation;

namespace AlaeIlgpu.Tests.Alae;

public class FrechetDistanceTests
{
    // Double-precision Jacobi on small, well-conditioned matrices: errors near 1e-12; 1e-9 leaves room.
    private const double ExactTolerance = 1e-9;

    // Sample moments of 20,000 draws deviate from the true ones by O(1/sqrt(n)) ~ 1e-2 per entry.
    private const double SamplingTolerance = 0.05;

    [Fact]
    public void EigenvaluesOfAKnownSymmetricMatrix()
    {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
        var values = FrechetDistance.Eigenvalues(new double[,] { { 2, 1 }, { 1, 2 } }).OrderBy(v => v).ToArray();
        Assert.Equal(1, values[0], ExactTolerance);
        Assert.Equal(3, values[1], ExactTolerance);
    }

    [Fact]
    public void IdenticalSetsHaveZeroDistance()
    {
        var x = Gaussian(1, 500, 4, 0, 1);
        Assert.Equal(0, FrechetDistance.Compute(x, x, 4), 1e-6);
    }

    [Fact]
    public void MatchesTheClosedFormForIsotropicGaussians()
    {
        // N(0, I) vs N(m, s^2 I) in d dims: |m|^2 d + d (1 + s^2 - 2 s).
        const int D = 3;
        var a = Gaussian(2, 20_000, D, 0, 1);
        var b = Gaussian(3, 20_000, D, 0.5, 2);
        double expected = D * 0.25 + D * (1 + 4 - 2 * 2);
        Assert.Equal(expected, FrechetDistance.Compute(a, b, D), SamplingTolerance * expected * 4);
    }

    [Fact]
    public void TooFewRowsIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute([1f, 2f], [1f, 2f], 2));
        Assert.Contains("two rows", e.Message);
    }

    private static float[] Gaussian(int seed, int n, int d, double mean, double std)
    {
        var r = new Random(seed);
        var x = new float[n * d];
        for (int i = 0; i < x.Length; i++)
        {
            double u1 = 1 - r.NextDouble(), u2 = r.NextDouble();
            x[i] = (float)(mean + std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return x;
    }
}
