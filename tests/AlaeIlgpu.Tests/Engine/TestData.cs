using AlaeIlgpu.Backends;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>Seeded host data for op tests (System.Random, independent of the engine's RNG), and engine/reference comparison.</summary>
public static class TestData
{
    /// <summary>N(0, scale^2) values (Box-Muller on System.Random).</summary>
    public static float[] Normal(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            data[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return data;
    }

    /// <summary>Uniform values in [low, high).</summary>
    public static float[] Uniform(int seed, int count, float low, float high)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(low + (high - low) * random.NextDouble())).ToArray();
    }

    /// <summary>Values with |v| in [gap, gap + 1.5) and random sign: away from a kink at 0 (leaky ReLU) by more than the finite-difference step.</summary>
    public static float[] AwayFromZero(int seed, int count, float gap = 0.1f)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.Next(2) * 2 - 1) * (gap + 1.5 * random.NextDouble()))).ToArray();
    }

    /// <summary>A tensor of N(0, scale^2) values.</summary>
    public static Tensor NormalTensor(Backend backend, int seed, int[] shape, float scale = 1f) =>
        Tensor.FromArray(backend, Normal(seed, NaiveOps.Count(shape), scale), shape);

    /// <summary>A tensor of uniform values in [low, high).</summary>
    public static Tensor UniformTensor(Backend backend, int seed, int[] shape, float low, float high) =>
        Tensor.FromArray(backend, Uniform(seed, NaiveOps.Count(shape), low, high), shape);

    /// <summary>The reference view of a tensor's data.</summary>
    public static RefTensor Ref(Tensor t) => RefTensor.From(t.ToArray(), t.Shape.ToArray());

    /// <summary>Asserts the engine result has the reference's shape and |k - r| &lt;= atol + rtol |r| everywhere, reporting the worst element.</summary>
    public static void AssertClose(RefTensor expected, Tensor actual, double atol, double rtol, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape.ToArray()),
            $"{what}: shape {actual.Shape}, expected [{string.Join(", ", expected.Shape)}]");
        AssertClose(expected.Data, actual.ToArray(), atol, rtol, what);
    }

    /// <summary>Asserts |k - r| &lt;= atol + rtol |r| element by element, reporting the worst element.</summary>
    public static void AssertClose(double[] expected, float[] actual, double atol, double rtol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs(actual[i] - expected[i]) - (atol + rtol * Math.Abs(expected[i]));
            if (!(excess <= worstExcess)) (worst, worstExcess) = (i, double.IsNaN(excess) ? double.PositiveInfinity : excess);
        }
        Assert.True(worst < 0, worst < 0 ? "" :
            $"{what}: element {worst} is {actual[worst]:G9}, expected {expected[worst]:G9} (atol {atol}, rtol {rtol})");
    }
}
