namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>
/// A multi-class linear SVM, one-vs-rest: one <see cref="SquaredHingeSvm"/> per class (that class +1, the rest −1),
/// trained in parallel; a sample gets the class with the largest decision value w·x + b. This is scikit-learn's
/// <c>LinearSVC</c> (squared hinge, dual, <c>fit_intercept</c> with <c>intercept_scaling</c> 1) as the ALAE paper's
/// evaluation used it.
/// </summary>
public sealed class LinearSvm
{
    private readonly float[] _weights; // [classes, d + 1], bias last

    private LinearSvm(int[] classes, int featureCount, float[] weights, BinarySvmSolution[] solutions)
    {
        Classes = classes;
        FeatureCount = featureCount;
        _weights = weights;
        Solutions = solutions;
    }

    /// <summary>The distinct training labels, ascending; decision column k belongs to Classes[k].</summary>
    public IReadOnlyList<int> Classes { get; }

    /// <summary>Number of features d (without the bias feature).</summary>
    public int FeatureCount { get; }

    /// <summary>The binary solution of each class, in <see cref="Classes"/> order (iterations, convergence, α).</summary>
    public IReadOnlyList<BinarySvmSolution> Solutions { get; }

    /// <summary>Trains one binary SVM per class on <paramref name="features"/> <c>[n, d]</c>.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, or fewer than two classes are present.</exception>
    public static LinearSvm Train(float[] features, int[] labels, int d, LinearSvmOptions? options = null)
    {
        options ??= new LinearSvmOptions();
        int n = NearestNeighbor.RowCount(features, d, nameof(features));
        if (labels.Length != n) throw new ArgumentException($"{n} feature rows but {labels.Length} labels.", nameof(labels));
        int[] classes = labels.Distinct().Order().ToArray();
        if (classes.Length < 2) throw new ArgumentException($"A classifier needs at least two classes; found {classes.Length}.", nameof(labels));
        var solutions = new BinarySvmSolution[classes.Length];
        Parallel.For(0, classes.Length, k =>
        {
            sbyte[] y = new sbyte[n];
            for (int i = 0; i < n; i++) y[i] = labels[i] == classes[k] ? (sbyte)1 : (sbyte)-1;
            solutions[k] = SquaredHingeSvm.Solve(features, d, y, options);
        });
        float[] weights = new float[classes.Length * (d + 1)];
        for (int k = 0; k < classes.Length; k++) solutions[k].Weights.CopyTo(weights, k * (d + 1));
        return new LinearSvm(classes, d, weights, solutions);
    }

    /// <summary>Decision values w_k·x + b_k, <c>[m, classes]</c>, for features <c>[m, d]</c>.</summary>
    public float[] Decision(float[] features)
    {
        int m = NearestNeighbor.RowCount(features, FeatureCount, nameof(features));
        int d = FeatureCount, classes = Classes.Count;
        float[] scores = new float[m * classes];
        Parallel.For(0, m, i =>
        {
            ReadOnlySpan<float> x = features.AsSpan(i * d, d);
            for (int k = 0; k < classes; k++)
            {
                ReadOnlySpan<float> w = _weights.AsSpan(k * (d + 1), d + 1);
                scores[i * classes + k] = DenseKernels.Dot(w[..d], x) + w[d];
            }
        });
        return scores;
    }

    /// <summary>The class with the largest decision value for each row of <paramref name="features"/> <c>[m, d]</c>.</summary>
    public int[] Predict(float[] features)
    {
        float[] scores = Decision(features);
        int classes = Classes.Count;
        int[] predicted = new int[scores.Length / classes];
        for (int i = 0; i < predicted.Length; i++)
        {
            int best = 0;
            for (int k = 1; k < classes; k++)
            {
                if (scores[i * classes + k] > scores[i * classes + best]) best = k;
            }
            predicted[i] = Classes[best];
        }
        return predicted;
    }
}
