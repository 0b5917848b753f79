using AlaeIlgpu.Alae.Data;

namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>Settings of the linear SVM (defaults: the ALAE paper's evaluation and LIBLINEAR's dual solver).</summary>
/// <param name="C">Penalty of the squared hinge loss; the regulariser is ½‖w‖².</param>
/// <param name="MaxIterations">Most passes over the data per binary problem.</param>
/// <param name="Tolerance">Stop when the spread of projected gradients (max − min) is at most this (LIBLINEAR's eps).</param>
/// <param name="Seed">Seed of the per-pass visiting order.</param>
/// <param name="Shrinking">Skip samples at the bound whose gradient says they will stay there (Hsieh et al. 2008, §3.1).</param>
public sealed record LinearSvmOptions(double C = 0.02, int MaxIterations = 1000, double Tolerance = 0.1, ulong Seed = 0, bool Shrinking = true);

/// <summary>The solution of one binary problem.</summary>
/// <param name="Weights">w, <c>[d + 1]</c>: one weight per feature, then the bias weight (on a constant feature 1).</param>
/// <param name="Alpha">The dual variables, one per sample.</param>
/// <param name="Iterations">Passes over the data that were run.</param>
/// <param name="Converged">Whether the tolerance was met before <see cref="LinearSvmOptions.MaxIterations"/>.</param>
public sealed record BinarySvmSolution(float[] Weights, double[] Alpha, int Iterations, bool Converged);

/// <summary>
/// L2-regularised L2-loss (squared hinge) linear SVM for labels ±1, solved in the dual by coordinate descent with
/// random order and optional shrinking (Hsieh, Chang, Lin, Keerthi, Sundararajan, ICML 2008; LIBLINEAR's
/// <c>-s 1</c>). A constant feature 1 is appended, so the bias is regularised like LIBLINEAR with <c>-B 1</c>.
/// </summary>
/// <remarks>
/// Primal: min_w ½‖w‖² + C Σ max(0, 1 − yᵢ w·xᵢ)². Dual: min_{α ≥ 0} ½ αᵀ(Q + I/(2C))α − Σ αᵢ with
/// Qᵢⱼ = yᵢyⱼ xᵢ·xⱼ and w = Σ αᵢ yᵢ xᵢ; at the optimum primal = −dual.
/// </remarks>
public static class SquaredHingeSvm
{
    private const double ZeroGradient = 1e-12;

    /// <summary>Solves one binary problem.</summary>
    /// <param name="x">Features <c>[n, d]</c>, row-major, without the bias feature.</param>
    /// <param name="d">Feature count.</param>
    /// <param name="y">+1 or −1 per sample.</param>
    /// <param name="options">Penalty, stopping rule and seed.</param>
    public static BinarySvmSolution Solve(ReadOnlySpan<float> x, int d, ReadOnlySpan<sbyte> y, LinearSvmOptions options)
    {
        int n = CheckProblem(x, d, y, options);
        double diagonal = 0.5 / options.C;
        double[] qd = new double[n];
        for (int i = 0; i < n; i++) qd[i] = diagonal + DenseKernels.Dot(x.Slice(i * d, d), x.Slice(i * d, d)) + 1.0;
        float[] w = new float[d + 1]; // last entry: bias weight
        double[] alpha = new double[n];
        var state = new PassState(n, new SplitMix64(options.Seed));
        int iteration = 0;
        while (iteration < options.MaxIterations)
        {
            (double pgMax, double pgMin) = Pass(x, d, y, options.Shrinking, diagonal, qd, w, alpha, state);
            iteration++;
            if (state.Stop(pgMax, pgMin, options.Tolerance)) return new BinarySvmSolution(w, alpha, iteration, true);
        }
        return new BinarySvmSolution(w, alpha, iteration, false);
    }

    /// <summary>The primal objective ½‖w‖² + C Σ max(0, 1 − yᵢ(w·xᵢ + b))², in double precision.</summary>
    public static double PrimalObjective(ReadOnlySpan<float> x, int d, ReadOnlySpan<sbyte> y, ReadOnlySpan<float> w, double c)
    {
        double objective = 0;
        for (int k = 0; k <= d; k++) objective += 0.5 * w[k] * (double)w[k];
        for (int i = 0; i < y.Length; i++)
        {
            double margin = w[d];
            for (int k = 0; k < d; k++) margin += w[k] * (double)x[i * d + k];
            double loss = Math.Max(0, 1 - y[i] * margin);
            objective += c * loss * loss;
        }
        return objective;
    }

    /// <summary>
    /// The dual objective ½‖Σ αᵢyᵢxᵢ‖² + Σ αᵢ²/(4C) − Σ αᵢ (bias feature included), in double precision.
    /// </summary>
    public static double DualObjective(ReadOnlySpan<float> x, int d, ReadOnlySpan<sbyte> y, ReadOnlySpan<double> alpha, double c)
    {
        double[] w = new double[d + 1];
        double objective = 0;
        for (int i = 0; i < y.Length; i++)
        {
            for (int k = 0; k < d; k++) w[k] += alpha[i] * y[i] * x[i * d + k];
            w[d] += alpha[i] * y[i];
            objective += alpha[i] * alpha[i] / (4 * c) - alpha[i];
        }
        foreach (double wk in w) objective += 0.5 * wk * wk;
        return objective;
    }

    // One pass of coordinate descent over the active samples in random order; returns the projected-gradient range.
    private static (double Max, double Min) Pass(ReadOnlySpan<float> x, int d, ReadOnlySpan<sbyte> y, bool shrinking,
        double diagonal, double[] qd, float[] w, double[] alpha, PassState state)
    {
        state.ShuffleActive();
        double pgMax = double.NegativeInfinity, pgMin = double.PositiveInfinity;
        Span<float> weights = w.AsSpan(0, d);
        for (int s = 0; s < state.ActiveSize; s++)
        {
            int i = state.Index[s];
            ReadOnlySpan<float> xi = x.Slice(i * d, d);
            double g = y[i] * (DenseKernels.Dot(weights, xi) + (double)w[d]) - 1 + diagonal * alpha[i];
            double pg = g;
            if (alpha[i] == 0)
            {
                if (shrinking && g > state.PgMaxOld)
                {
                    state.Deactivate(s--);
                    continue;
                }
                pg = Math.Min(g, 0);
            }
            pgMax = Math.Max(pgMax, pg);
            pgMin = Math.Min(pgMin, pg);
            if (Math.Abs(pg) <= ZeroGradient) continue;
            double previous = alpha[i];
            alpha[i] = Math.Max(previous - g / qd[i], 0);
            float step = (float)((alpha[i] - previous) * y[i]);
            DenseKernels.Axpy(step, xi, weights);
            w[d] += step;
        }
        return (pgMax, pgMin);
    }

    private static int CheckProblem(ReadOnlySpan<float> x, int d, ReadOnlySpan<sbyte> y, LinearSvmOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if (x.Length != (long)y.Length * d)
            throw new ArgumentException($"{y.Length} labels of {d} features need {y.Length * d} values, not {x.Length}.");
        foreach (sbyte label in y)
        {
            if (label is not (1 or -1)) throw new ArgumentException($"Binary SVM labels must be +1 or -1, not {label}.");
        }
        if (!(options.C > 0)) throw new ArgumentOutOfRangeException(nameof(options), $"C must be positive, not {options.C}.");
        if (options.MaxIterations <= 0) throw new ArgumentOutOfRangeException(nameof(options), "MaxIterations must be positive.");
        if (!(options.Tolerance > 0)) throw new ArgumentOutOfRangeException(nameof(options), "Tolerance must be positive.");
        return y.Length;
    }

    // The active set, the visiting order and the shrinking thresholds of the previous pass.
    private sealed class PassState(int n, SplitMix64 random)
    {
        public int[] Index { get; } = Enumerable.Range(0, n).ToArray();

        public int ActiveSize { get; private set; } = n;

        // Without an upper bound on α only the largest projected gradient of the last pass drives shrinking.
        public double PgMaxOld { get; private set; } = double.PositiveInfinity;

        public void ShuffleActive() => random.Shuffle(Index.AsSpan(0, ActiveSize));

        public void Deactivate(int position)
        {
            ActiveSize--;
            (Index[position], Index[ActiveSize]) = (Index[ActiveSize], Index[position]);
        }

        // LIBLINEAR's rule: stop when the gradient spread is small on the full set; if only the active set met it,
        // reactivate everything and check again.
        public bool Stop(double pgMax, double pgMin, double tolerance)
        {
            if (pgMax - pgMin <= tolerance)
            {
                if (ActiveSize == Index.Length) return true;
                ActiveSize = Index.Length;
                PgMaxOld = double.PositiveInfinity;
                return false;
            }
            PgMaxOld = pgMax <= 0 ? double.PositiveInfinity : pgMax;
            return false;
        }
    }
}
