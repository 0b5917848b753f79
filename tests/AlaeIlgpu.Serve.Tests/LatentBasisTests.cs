namespace AlaeIlgpu.Serve.Tests;

/// <summary>The Explore page's principal directions: recovered from latents spread along known axes.</summary>
public sealed class LatentBasisTests
{
    // Power iteration on a 3x3 covariance with well separated variances converges far below this.
    private const double Tolerance = 1e-6;

    [Fact]
    public void DirectionsAndDeviationsFollowTheSpreadOfTheLatents()
    {
        // Latents (x, y, z) = mean + a*(3 along axis 2) + b*(1 along axis 0), a and b in {-1, +1}: no spread along axis 1.
        double[] mean = [1, -2, 0.5];
        var latents = new List<float>();
        foreach (int a in new[] { -1, 1 })
            foreach (int b in new[] { -1, 1 })
                latents.AddRange([(float)(mean[0] + b), (float)mean[1], (float)(mean[2] + 3 * a)]);
        var basis = new LatentBasis([.. latents], 4, 3, 2);

        Assert.Equal(mean, basis.Mean, (x, y) => Math.Abs(x - y) < Tolerance);
        Assert.Equal(1.0, Math.Abs(basis.Directions[0][2]), Tolerance);
        Assert.Equal(1.0, Math.Abs(basis.Directions[1][0]), Tolerance);
        // Sample deviations (n - 1 = 3): sqrt(4 * 9 / 3) and sqrt(4 / 3).
        Assert.Equal(Math.Sqrt(12), basis.Deviations[0], Tolerance);
        Assert.Equal(Math.Sqrt(4.0 / 3), basis.Deviations[1], Tolerance);

        float[] moved = basis.Point(0, 3, 0.5, [1]);   // halfway between the first and last latents, plus one deviation along axis 2
        Assert.Equal(mean[2] + Math.Sqrt(12) * basis.Directions[0][2], moved[2], Tolerance);
        Assert.Equal(mean[0], moved[0], Tolerance);
    }
}
