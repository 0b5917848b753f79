using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Tests.Alae;

public sealed class EmbeddedMnistTests
{
    private static readonly MnistSet All = EmbeddedMnist.Load();

    [Fact]
    public void HoldsTenThousandDigitsOfEveryClass()
    {
        Assert.Equal(10_000, All.Count);
        Assert.Equal(28, All.Rows);
        Assert.Equal(28, All.Columns);
        Assert.Equal(10_000 * 784, All.Images.Length);
        int[] perClass = new int[10];
        foreach (int label in All.Labels) perClass[label]++;
        // The npm package's class sizes: every class has between 800 and 1200 digits.
        Assert.All(perClass, n => Assert.InRange(n, 800, 1200));
        Assert.Equal(10_000, perClass.Sum());
    }

    [Fact]
    public void PixelsAreInUnitRangeAndLookLikeDigits()
    {
        Assert.All(All.Images, v => Assert.InRange(v, 0f, 1f));
        // MNIST digits: dark background, about a fifth of the pixels lit; the mean intensity is near 0.13.
        double mean = All.Images.Average(v => (double)v);
        Assert.InRange(mean, 0.10, 0.16);
        Assert.Equal(0f, All.Image(0)[0]);
        Assert.Equal(1f, All.Images.Max());
    }

    [Fact]
    public void DefaultSplitIs8000And2000AndDisjoint()
    {
        (MnistSet train, MnistSet heldOut) = EmbeddedMnist.LoadSplit();

        Assert.Equal(8_000, train.Count);
        Assert.Equal(2_000, heldOut.Count);
        // The 10,000 embedded digits are pairwise distinct, so a split without repeats covers 10,000 distinct images.
        var seen = new HashSet<string>();
        foreach (MnistSet part in new[] { train, heldOut })
        {
            for (int i = 0; i < part.Count; i++) seen.Add(Key(part, i));
        }
        Assert.Equal(10_000, seen.Count);
        Assert.All(Enumerable.Range(0, 10), label => Assert.Contains(label, heldOut.Labels));
    }

    [Fact]
    public void SplitIsDeterministicAndSeedDependent()
    {
        (MnistSet a, MnistSet heldA) = EmbeddedMnist.LoadSplit();
        (MnistSet b, MnistSet heldB) = EmbeddedMnist.LoadSplit();
        (MnistSet c, _) = EmbeddedMnist.LoadSplit(seed: 1);

        Assert.Equal(a.Labels, b.Labels);
        Assert.Equal(a.Images, b.Images);
        Assert.Equal(heldA.Labels, heldB.Labels);
        Assert.NotEqual(a.Labels, c.Labels);
    }

    [Fact]
    public void SplitRejectsMoreImagesThanExist()
    {
        var error = Assert.Throws<ArgumentException>(() => All.Split(9_000, 2_000, 0));

        Assert.Contains("10000", error.Message);
    }

    private static string Key(MnistSet set, int index) => Convert.ToBase64String(
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(set.Image(index)));
}
