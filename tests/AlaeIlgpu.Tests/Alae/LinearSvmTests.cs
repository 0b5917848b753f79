using AlaeIlgpu.Alae.Data;
using AlaeIlgpu.Alae.Evaluation;

namespace AlaeIlgpu.Tests.Alae;

public sealed class LinearSvmTests
{
    [Fact]
    public void SeparableClustersAreClassifiedPerfectly()
    {
        (float[] train, int[] trainLabels) = SyntheticClusters.Make(300, 5, 3, separation: 4, noise: 0.3, seed: 1);
        (float[] test, int[] testLabels) = SyntheticClusters.Make(150, 5, 3, separation: 4, noise: 0.3, seed: 2);

        LinearSvm svm = LinearSvm.Train(train, trainLabels, 5);

        Assert.Equal([0, 1, 2], svm.Classes);
        Assert.Equal(1.0, NearestNeighbor.Accuracy(svm.Predict(test), testLabels));
        Assert.All(svm.Solutions, s => Assert.True(s.Converged));
    }

    [Fact]
    public void NoisyTenClassProblemBeatsChanceByAWideMargin()
    {
        // Overlapping clusters: the best linear rule is far from perfect, chance is 10%.
        (float[] train, int[] trainLabels) = SyntheticClusters.Make(2000, 20, 10, separation: 1.5, noise: 1.0, seed: 3);
        (float[] test, int[] testLabels) = SyntheticClusters.Make(1000, 20, 10, separation: 1.5, noise: 1.0, seed: 4);

        double accuracy = NearestNeighbor.Accuracy(LinearSvm.Train(train, trainLabels, 20).Predict(test), testLabels);

        Assert.InRange(accuracy, 0.4, 0.95);
    }

    [Fact]
    public void DualSolutionMatchesAnIndependentPrimalGradientDescent()
    {
        (float[] x, int[] labels) = SyntheticClusters.Make(200, 5, 2, separation: 1.0, noise: 1.0, seed: 5);
        sbyte[] y = labels.Select(l => l == 0 ? (sbyte)1 : (sbyte)-1).ToArray();
        const double C = 0.5;
        var options = new LinearSvmOptions(C: C, MaxIterations: 10_000, Tolerance: 1e-6);

        BinarySvmSolution dual = SquaredHingeSvm.Solve(x, 5, y, options);
        double[] primal = PrimalGradientDescent(x, 5, y, C);

        // The dual stops at projected-gradient spread 1e-6; float weight updates add about 1e-6 relative error.
        const double WeightTolerance = 1e-4;
        for (int k = 0; k <= 5; k++) Assert.Equal(primal[k], dual.Weights[k], WeightTolerance);
        Assert.True(dual.Converged);
    }

    // scikit-learn 1.2.1 LinearSVC(C=0.02, tol=1e-6, max_iter=100000, dual=True) fitted on the first 2,000 digits
    // of EmbeddedMnist.LoadSplit()'s training part (pixels in [0, 1]); decision_function of the first 10 held-out
    // digits, [10, 10], printed with 6 decimals.
    private static readonly double[] ScikitLearnDecisions =
    [
        -0.247487, -4.787709, 2.047405, -2.112313, -4.810656, -2.389905, -2.536728, -2.813358, -1.718457, -3.287931,
        -2.177934, -2.606965, -2.183429, 0.325670, -3.560575, -0.618087, -2.592390, -2.397460, -1.083155, -2.184228,
        -0.424393, -1.947204, -0.542019, -1.198287, -0.665313, -1.923928, -0.205622, -0.284592, -1.188686, -1.907015,
        -1.915559, -2.129669, -1.241019, -1.641598, -1.411488, -0.906430, -2.154660, -2.380344, 0.323069, -1.490375,
        -2.915648, -1.678188, -2.246429, -0.665118, -1.246093, -1.564678, -2.298999, -1.338104, -1.244524, 1.012014,
        -0.983178, -3.124239, -1.019092, -3.281791, -1.051620, -2.795729, -2.008629, -0.601745, -1.407652, 0.348304,
        -2.794653, -3.423035, -3.352392, -2.675714, -1.439194, -2.934668, -2.964715, -1.478513, -1.259462, 0.492959,
        -1.327862, -2.835372, -1.827360, -1.081369, -1.147389, -0.841469, -1.921980, 0.430232, -0.866881, -1.186719,
        -1.403336, -2.010965, -1.986504, -1.555795, -2.156869, 1.246272, -2.015767, -1.996316, -1.286074, -2.471704,
        -1.352508, -2.013126, -2.161120, -2.159711, 1.177325, -1.626948, -1.148956, -1.289727, -1.777246, -1.134746,
    ];

    [Fact]
    public void MatchesScikitLearnLinearSvcOnEmbeddedDigits()
    {
        (MnistSet train, MnistSet heldOut) = EmbeddedMnist.LoadSplit();
        float[] x = train.Images[..(2000 * 784)];
        int[] labels = train.Labels[..2000];

        LinearSvm svm = LinearSvm.Train(x, labels, 784, new LinearSvmOptions(C: 0.02, Tolerance: 1e-6, MaxIterations: 100_000));
        float[] decisions = svm.Decision(heldOut.Images[..(10 * 784)]);

        // Same strongly convex problem solved to 1e-6 by both; the reference is printed to 6 decimals.
        const double DecisionTolerance = 1e-4;
        for (int i = 0; i < ScikitLearnDecisions.Length; i++) Assert.Equal(ScikitLearnDecisions[i], decisions[i], DecisionTolerance);
    }

    [Fact]
    public void DualityGapClosesAtTheOptimum()
    {
        (float[] x, int[] labels) = SyntheticClusters.Make(400, 8, 2, separation: 1.0, noise: 1.0, seed: 6);
        sbyte[] y = labels.Select(l => l == 1 ? (sbyte)1 : (sbyte)-1).ToArray();
        var options = new LinearSvmOptions(C: 0.02, Tolerance: 1e-5, MaxIterations: 10_000);

        BinarySvmSolution solution = SquaredHingeSvm.Solve(x, 8, y, options);
        double primal = SquaredHingeSvm.PrimalObjective(x, 8, y, solution.Weights, options.C);
        double dual = SquaredHingeSvm.DualObjective(x, 8, y, solution.Alpha, options.C);

        // Weak duality: primal(w) >= -dual(alpha) for any alpha >= 0, with equality at the optimum.
        const double RelativeGap = 1e-4;
        Assert.True(primal + dual >= -1e-9 * Math.Abs(primal), $"primal {primal} < -dual {-dual}");
        Assert.True(primal + dual <= RelativeGap * Math.Abs(primal), $"gap {primal + dual} for primal {primal}");
        Assert.All(solution.Alpha, a => Assert.True(a >= 0));
    }

    [Fact]
    public void ShrinkingDoesNotChangeTheSolution()
    {
        (float[] x, int[] labels) = SyntheticClusters.Make(300, 6, 2, separation: 1.0, noise: 1.0, seed: 7);
        sbyte[] y = labels.Select(l => l == 1 ? (sbyte)1 : (sbyte)-1).ToArray();
        var tight = new LinearSvmOptions(C: 0.1, Tolerance: 1e-6, MaxIterations: 10_000);

        float[] shrunk = SquaredHingeSvm.Solve(x, 6, y, tight).Weights;
        float[] plain = SquaredHingeSvm.Solve(x, 6, y, tight with { Shrinking = false }).Weights;

        // Both stop at projected-gradient spread 1e-6 from different paths.
        const double WeightTolerance = 1e-4;
        for (int k = 0; k < shrunk.Length; k++) Assert.Equal(plain[k], shrunk[k], WeightTolerance);
    }

    [Fact]
    public void TrainingIsDeterministic()
    {
        (float[] x, int[] labels) = SyntheticClusters.Make(500, 10, 4, separation: 1.0, noise: 1.0, seed: 8);

        float[] first = LinearSvm.Train(x, labels, 10).Decision(x);
        float[] second = LinearSvm.Train(x, labels, 10).Decision(x);

        Assert.Equal(first, second);
    }

    [Fact]
    public void RejectsSingleClassAndBadSizes()
    {
        Assert.Throws<ArgumentException>(() => LinearSvm.Train(new float[6], [1, 1, 1], 2));
        Assert.Throws<ArgumentException>(() => LinearSvm.Train(new float[5], [0, 1], 2));
        Assert.Throws<ArgumentException>(() => SquaredHingeSvm.Solve(new float[2], 1, [1, 0], new LinearSvmOptions()));
    }

    // Minimises ½‖w‖² + C Σ max(0, 1 − yᵢ(w·xᵢ + b))² (bias as weight d) by gradient descent in double precision.
    private static double[] PrimalGradientDescent(float[] x, int d, sbyte[] y, double c)
    {
        int n = y.Length;
        double frobenius = n + x.Sum(v => (double)v * v);
        double step = 1 / (1 + 2 * c * frobenius); // 1/L with L >= the gradient's Lipschitz constant
        double[] w = new double[d + 1];
        for (int iteration = 0; iteration < 20_000; iteration++)
        {
            double[] gradient = (double[])w.Clone();
            for (int i = 0; i < n; i++)
            {
                double margin = w[d];
                for (int k = 0; k < d; k++) margin += w[k] * x[i * d + k];
                double slack = 1 - y[i] * margin;
                if (slack <= 0) continue;
                for (int k = 0; k < d; k++) gradient[k] -= 2 * c * slack * y[i] * x[i * d + k];
                gradient[d] -= 2 * c * slack * y[i];
            }
            for (int k = 0; k <= d; k++) w[k] -= step * gradient[k];
        }
        return w;
    }
}
