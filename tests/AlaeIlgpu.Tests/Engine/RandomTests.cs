namespace AlaeIlgpu.Tests.Engine;

/// <summary>The Philox generator: identical streams on cpu and ilgpu-cpu, the right distributions, reproducible offsets.</summary>
[Collection(SimulatorCollection.Name)]
public class RandomTests(SimulatorFixture fixture)
{
    /// <summary>
    /// Both backends run the same managed Philox and Box-Muller code (the simulator executes the kernel's IL), so the
    /// words are identical; only the float math library could differ, by an ulp of values below ~6.
    /// </summary>
    private const float CrossBackendAtol = 1e-6f;

    private const int Draws = 100_000;

    /// <summary>Standard error of a mean of 1e5 unit-variance samples is 0.0032: 0.015 is almost 5 of them.</summary>
    private const double MeanTolerance = 0.015;

    /// <summary>Standard error of the standard deviation of 1e5 normal samples is 1 / sqrt(2e5) = 0.0022: 0.01 is 4.5 of them.</summary>
    private const double StdTolerance = 0.01;

    [Theory]
    [InlineData(0ul, 0ul, true)]
    [InlineData(42ul, 3ul, true)]
    [InlineData(0xDEADBEEF12345678ul, (1ul << 33) + 5, true)]
    [InlineData(42ul, 3ul, false)]
    [InlineData(0xDEADBEEF12345678ul, (1ul << 33) + 5, false)]
    public void SameSeedAndOffsetGiveTheSameNumbersOnBothBackends(ulong seed, ulong offset, bool normal)
    {
        using var scope = new TensorScope();
        var cpu = Draw(fixture.Get("cpu"), new RandomGenerator(seed, offset), normal, 1001);
        var sim = Draw(fixture.Get("ilgpu-cpu"), new RandomGenerator(seed, offset), normal, 1001);
        for (int i = 0; i < cpu.Length; i++)
            Assert.True(Math.Abs(cpu[i] - sim[i]) <= CrossBackendAtol, $"sample {i}: cpu {cpu[i]:G9}, ilgpu-cpu {sim[i]:G9}");
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void NormalSamplesHaveMeanZeroAndUnitDeviation(string backendName)
    {
        using var scope = new TensorScope();
        var x = Draw(fixture.Get(backendName), new RandomGenerator(123), true, Draws);
        double mean = x.Average(v => (double)v);
        double std = Math.Sqrt(x.Average(v => (v - mean) * (v - mean)));
        Assert.True(Math.Abs(mean) < MeanTolerance, $"mean {mean}");
        Assert.True(Math.Abs(std - 1) < StdTolerance, $"std {std}");
        Assert.All(x, v => Assert.True(float.IsFinite(v)));
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void UniformSamplesLieInTheHalfOpenUnitInterval(string backendName)
    {
        using var scope = new TensorScope();
        var x = Draw(fixture.Get(backendName), new RandomGenerator(321), false, Draws);
        Assert.All(x, v => Assert.True(v > 0f && v <= 1f, $"sample {v:G9}"));
        // U(0, 1] has mean 1/2 and standard deviation 1/sqrt(12) = 0.29; same reasoning as MeanTolerance.
        Assert.True(Math.Abs(x.Average(v => (double)v) - 0.5) < MeanTolerance * 0.29);
    }

    [Fact]
    public void EachDrawUsesTheNextStreamAndRestoreReplaysIt()
    {
        using var scope = new TensorScope();
        var cpu = fixture.Get("cpu");
        var generator = new RandomGenerator(9);
        var first = Draw(cpu, generator, true, 64);
        var second = Draw(cpu, generator, true, 64);
        Assert.Equal(2ul, generator.Offset);
        Assert.NotEqual(first, second);
        generator.Restore(1);
        Assert.Equal(second, Draw(cpu, generator, true, 64));
        Assert.NotEqual(first, Draw(cpu, new RandomGenerator(10), true, 64)); // another seed, another stream
    }

    [Fact]
    public void PermutationIsASeededPermutationAndNextIntStaysInRange()
    {
        var a = new RandomGenerator(5).Permutation(100);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
        Assert.Equal(a, new RandomGenerator(5).Permutation(100));
        Assert.NotEqual(a, new RandomGenerator(6).Permutation(100));
        var g = new RandomGenerator(5);
        var ints = Enumerable.Range(0, 1000).Select(_ => g.NextInt(7)).ToArray();
        Assert.All(ints, v => Assert.InRange(v, 0, 6));
        Assert.Equal(7, ints.Distinct().Count());
    }

    private static float[] Draw(Backends.Backend backend, RandomGenerator generator, bool normal, int count) =>
        (normal ? Tensor.RandomNormal(backend, generator, count) : Tensor.RandomUniform(backend, generator, count)).ToArray();
}
