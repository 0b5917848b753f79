using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Evaluation;

namespace AlaeIlgpu.Tests.Alae;

public sealed class NearestNeighborTests
{
    private static float[] RandomMatrix(int rows, int d, ulong seed)
    {
        var random = new SplitMix64(seed);
        return Enumerable.Range(0, rows * d).Select(_ => (float)SyntheticClusters.Gaussian(random)).ToArray();
    }

    // Brute force with direct squared differences in double precision; ties to the lowest index.
    private static int[] NaiveNearest(float[] train, float[] test, int d)
    {
        int n = train.Length / d, m = test.Length / d;
        int[] nearest = new int[m];
        for (int i = 0; i < m; i++)
        {
            double best = double.PositiveInfinity;
            for (int j = 0; j < n; j++)
            {
                double distance = 0;
                for (int k = 0; k < d; k++)
                {
                    double diff = test[i * d + k] - (double)train[j * d + k];
                    distance += diff * diff;
                }
                if (distance < best) (best, nearest[i]) = (distance, j);
            }
        }
        return nearest;
    }

    [Theory]
    [InlineData(37, 7, 13)]
    [InlineData(64, 64, 256)]
    [InlineData(1, 5, 3)]
    public void MatchesBruteForceWithOddSizesAndBlocks(int d, int testBlock, int trainBlock)
    {
        float[] train = RandomMatrix(301, d, 11);
        float[] test = RandomMatrix(53, d, 12);

        int[] nearest = NearestNeighbor.NearestIndices(train, test, d, testBlockRows: testBlock, trainBlockRows: trainBlock);

        Assert.Equal(NaiveNearest(train, test, d), nearest);
    }

    [Fact]
    public void SeparableClustersAreClassifiedPerfectly()
    {
        (float[] train, int[] trainLabels) = SyntheticClusters.Make(300, 5, 3, separation: 4, noise: 0.3, seed: 1);
        (float[] test, int[] testLabels) = SyntheticClusters.Make(150, 5, 3, separation: 4, noise: 0.3, seed: 2);

        int[] predicted = NearestNeighbor.Predict(train, trainLabels, test, 5);

        Assert.Equal(1.0, NearestNeighbor.Accuracy(predicted, testLabels));
    }

    [Fact]
    public void ExactDuplicateIsItsOwnNeighbourAndTiesGoToTheLowestIndex()
    {
        float[] train = [0, 0, 1, 1, 1, 1, 5, 5];
        float[] test = [1, 1, 4.9f, 5.1f];

        Assert.Equal([1, 3], NearestNeighbor.NearestIndices(train, test, 2));
        Assert.Equal([7, 9], NearestNeighbor.Predict(train, [6, 7, 8, 9], test, 2));
    }

    [Fact]
    public void InjectedInnerProductsAreUsed()
    {
        float[] train = RandomMatrix(40, 6, 21);
        float[] test = RandomMatrix(10, 6, 22);
        int calls = 0;
        InnerProductBlock counting = (a, aRows, b, bRows, d, c) =>
        {
            calls++;
            DenseKernels.InnerProducts(a, aRows, b, bRows, d, c);
        };

        int[] nearest = NearestNeighbor.NearestIndices(train, test, 6, counting, testBlockRows: 4, trainBlockRows: 16);

        Assert.Equal(NaiveNearest(train, test, 6), nearest);
        Assert.Equal(3 * 3, calls); // ceil(10/4) test blocks x ceil(40/16) train blocks
    }

    [Fact]
    public void InnerProductBlockMatchesNaiveProducts()
    {
        const int ARows = 5, BRows = 11, D = 29;
        float[] a = RandomMatrix(ARows, D, 31), b = RandomMatrix(BRows, D, 32);
        float[] c = new float[ARows * BRows];

        DenseKernels.InnerProducts(a, ARows, b, BRows, D, c);

        // Float accumulation of 29 unit-variance products in a different order than the double reference.
        const double Tolerance = 1e-4;
        for (int i = 0; i < ARows; i++)
        {
            for (int j = 0; j < BRows; j++)
            {
                double expected = Enumerable.Range(0, D).Sum(k => (double)a[i * D + k] * b[j * D + k]);
                Assert.Equal(expected, c[i * BRows + j], Tolerance);
            }
        }
    }

    [Fact]
    public void AccuracyCountsMatches()
    {
        Assert.Equal(0.75, NearestNeighbor.Accuracy([1, 2, 3, 4], [1, 2, 3, 0]));
        Assert.Throws<ArgumentException>(() => NearestNeighbor.Accuracy([1], [1, 2]));
    }
}
