namespace AlaeIlgpu.Tests.Reference;

/// <summary>Element-wise <c>|actual - expected| &lt;= atol + rtol * |expected|</c>, and seeded test data.</summary>
public static class ToleranceAssert
{
    /// <summary>Fails with the worst element's index and values when any element is out of tolerance.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double atol, double rtol, string label)
    {
        Assert.Equal(expected.Length, actual.Length);
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double excess = Math.Abs((double)actual[i] - expected[i]) - (atol + rtol * Math.Abs(expected[i]));
            if (double.IsNaN(actual[i]) || excess > worstExcess)
            {
                worst = i;
                worstExcess = double.IsNaN(actual[i]) ? double.PositiveInfinity : excess;
            }
        }

        if (worst >= 0)
        {
            Assert.Fail($"{label}: element {worst} is {actual[worst]}, expected {expected[worst]} " +
                        $"(atol {atol}, rtol {rtol}, {expected.Length} elements).");
        }
    }

    /// <summary>Uniform values in [-scale, scale) from a fixed seed.</summary>
    public static float[] Random(int length, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }

        return values;
    }

    /// <summary>NaN everywhere, for output buffers: an element a kernel fails to write shows up as NaN.</summary>
    public static float[] Poisoned(int length) => Enumerable.Repeat(float.NaN, length).ToArray();

    /// <summary>Dot product in double.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
