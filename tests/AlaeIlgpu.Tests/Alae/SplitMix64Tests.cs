using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Alae;

public sealed class SplitMix64Tests
{
    [Fact]
    public void MatchesTheReferenceSequenceForSeedZero()
    {
        // First outputs of the reference C implementation (Vigna's splitmix64.c) with x = 0.
        var random = new SplitMix64(0);

        Assert.Equal(0xE220A8397B1DCDAFUL, random.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, random.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, random.NextUInt64());
    }

    [Fact]
    public void PermutationContainsEveryIndexOnce()
    {
        int[] order = new SplitMix64(42).Permutation(1000);

        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        Assert.NotEqual(Enumerable.Range(0, 1000), order);
    }

    [Fact]
    public void NextIntIsRoughlyUniform()
    {
        var random = new SplitMix64(7);
        int[] counts = new int[6];
        for (int i = 0; i < 60_000; i++) counts[random.NextInt(6)]++;

        // Expected 10,000 per bucket, standard deviation about 91; 500 is more than five deviations.
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
    }
}
