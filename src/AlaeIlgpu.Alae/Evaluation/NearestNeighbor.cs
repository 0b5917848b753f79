namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>
/// Computes a block of inner products c[i, j] = a_i · b_j: <paramref name="a"/> is <c>[aRows, d]</c>,
/// <paramref name="b"/> is <c>[bRows, d]</c> and <paramref name="c"/> is <c>[aRows, bRows]</c>, all row-major.
/// A matrix product a·bᵀ, so a GEMM can serve it.
/// </summary>
public delegate void InnerProductBlock(ReadOnlySpan<float> a, int aRows, ReadOnlySpan<float> b, int bRows, int d, Span<float> c);

/// <summary>
/// The 1-nearest-neighbour classifier with Euclidean distance, as in the ALAE paper's MNIST evaluation.
/// Distances come from inner products: argmin_j ‖x − t_j‖² = argmin_j (‖t_j‖² − 2 x·t_j), so the work is a matrix
/// product computed block by block. Ties go to the lowest training index.
/// </summary>
public static class NearestNeighbor
{
    /// <summary>Test rows per block.</summary>
    public const int DefaultTestBlockRows = 64;

    /// <summary>Training rows per block: 256 rows of 1024 floats stay in a 1 MiB L2 cache.</summary>
    public const int DefaultTrainBlockRows = 256;

    /// <summary>Predicts the label of each test row as the label of its nearest training row.</summary>
    /// <param name="train">Training features <c>[n, d]</c>.</param>
    /// <param name="trainLabels">Label of each training row.</param>
    /// <param name="test">Test features <c>[m, d]</c>.</param>
    /// <param name="d">Feature count.</param>
    /// <param name="innerProducts">
    /// Computes blocks of inner products; null uses <see cref="DenseKernels.InnerProducts"/> on all cores. A given
    /// function is called from one thread at a time (it is expected to be parallel itself, like a GEMM).
    /// </param>
    public static int[] Predict(float[] train, int[] trainLabels, float[] test, int d, InnerProductBlock? innerProducts = null)
    {
        int n = RowCount(train, d, nameof(train));
        if (trainLabels.Length != n)
            throw new ArgumentException($"{n} training rows but {trainLabels.Length} labels.", nameof(trainLabels));
        int[] nearest = NearestIndices(train, test, d, innerProducts);
        int[] predicted = new int[nearest.Length];
        for (int i = 0; i < nearest.Length; i++) predicted[i] = trainLabels[nearest[i]];
        return predicted;
    }

    /// <summary>The index of the nearest training row for each test row (see <see cref="Predict"/>).</summary>
    public static int[] NearestIndices(float[] train, float[] test, int d, InnerProductBlock? innerProducts = null,
        int testBlockRows = DefaultTestBlockRows, int trainBlockRows = DefaultTrainBlockRows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(testBlockRows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(trainBlockRows);
        int n = RowCount(train, d, nameof(train));
        int m = RowCount(test, d, nameof(test));
        if (n == 0) throw new ArgumentException("1-NN needs at least one training row.", nameof(train));
        float[] trainNorms = SquaredNorms(train, n, d);
        int[] nearest = new int[m];
        int blocks = (m + testBlockRows - 1) / testBlockRows;
        var options = new ParallelOptions { MaxDegreeOfParallelism = innerProducts is null ? -1 : 1 };
        Parallel.For(0, blocks, options,
            () => new float[testBlockRows * trainBlockRows],
            (block, _, scratch) =>
            {
                int start = block * testBlockRows;
                int rows = Math.Min(testBlockRows, m - start);
                SearchBlock(train, trainNorms, test.AsSpan(start * d, rows * d), rows, d, trainBlockRows,
                    innerProducts ?? DenseKernels.InnerProducts, scratch, nearest.AsSpan(start, rows));
                return scratch;
            },
            _ => { });
        return nearest;
    }

    /// <summary>The fraction of positions where <paramref name="predicted"/> equals <paramref name="truth"/>.</summary>
    public static double Accuracy(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth)
    {
        if (predicted.Length != truth.Length)
            throw new ArgumentException($"{predicted.Length} predictions for {truth.Length} labels.");
        if (truth.Length == 0) throw new ArgumentException("Accuracy of an empty set is undefined.");
        int correct = 0;
        for (int i = 0; i < truth.Length; i++) correct += predicted[i] == truth[i] ? 1 : 0;
        return (double)correct / truth.Length;
    }

    // Scans all training rows for the test rows of one block; nearest[i] gets the argmin for row i.
    private static void SearchBlock(float[] train, float[] trainNorms, ReadOnlySpan<float> testBlock, int rows, int d,
        int trainBlockRows, InnerProductBlock innerProducts, float[] scratch, Span<int> nearest)
    {
        int n = trainNorms.Length;
        Span<float> best = rows <= 1024 ? stackalloc float[rows] : new float[rows];
        best.Fill(float.PositiveInfinity);
        nearest.Clear();
        for (int start = 0; start < n; start += trainBlockRows)
        {
            int count = Math.Min(trainBlockRows, n - start);
            Span<float> products = scratch.AsSpan(0, rows * count); // [rows, count]
            innerProducts(testBlock, rows, train.AsSpan(start * d, count * d), count, d, products);
            for (int i = 0; i < rows; i++)
            {
                ReadOnlySpan<float> row = products.Slice(i * count, count);
                for (int j = 0; j < count; j++)
                {
                    float score = trainNorms[start + j] - 2f * row[j];
                    if (score < best[i])
                    {
                        best[i] = score;
                        nearest[i] = start + j;
                    }
                }
            }
        }
    }

    private static float[] SquaredNorms(float[] rows, int count, int d)
    {
        float[] norms = new float[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<float> row = rows.AsSpan(i * d, d);
            norms[i] = DenseKernels.Dot(row, row);
        }
        return norms;
    }

    internal static int RowCount(float[] data, int d, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (data.Length % d != 0)
            throw new ArgumentException($"{name} has {data.Length} values, not a multiple of the feature count {d}.", name);
        return data.Length / d;
    }
}
