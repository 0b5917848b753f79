namespace AlaeIlgpu.Alae.Evaluation;

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets (the formula behind FID):
/// ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)). The trace of the matrix square root is computed as the sum of
/// the square roots of the eigenvalues of S1^(1/2) S2 S1^(1/2), which is symmetric positive semi-definite, with
/// cyclic Jacobi rotations in double precision.
/// </summary>
public static class FrechetDistance
{
    private const int MaxSweeps = 100;
    private const double OffDiagonalTolerance = 1e-12;

    /// <summary>Distance between the Gaussians of features a [na, d] and b [nb, d] (row-major).</summary>
    /// <exception cref="ArgumentException">Fewer than two rows, or a length that is not a multiple of d.</exception>
    public static double Compute(float[] a, float[] b, int d)
    {
        var (muA, covA) = Moments(a, d);
        var (muB, covB) = Moments(b, d);
        double meanTerm = 0;
        for (int i = 0; i < d; i++) meanTerm += (muA[i] - muB[i]) * (muA[i] - muB[i]);
        double trace = 0;
        for (int i = 0; i < d; i++) trace += covA[i, i] + covB[i, i];
        var rootA = SymmetricSqrt(covA);
        var inner = Multiply(Multiply(rootA, covB), rootA);
        double sqrtTrace = Eigenvalues(inner).Sum(v => Math.Sqrt(Math.Max(v, 0)));
        return meanTerm + trace - 2 * sqrtTrace;
    }

    /// <summary>Mean [d] and unbiased covariance [d, d] of rows x [n, d].</summary>
    public static (double[] Mean, double[,] Covariance) Moments(float[] x, int d)
    {
        if (d <= 0 || x.Length % d != 0 || x.Length / d < 2)
            throw new ArgumentException($"Fréchet distance needs at least two rows of {d} features; got {x.Length} values.");
        int n = x.Length / d;
        var mean = new double[d];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < d; i++) mean[i] += x[r * d + i];
        for (int i = 0; i < d; i++) mean[i] /= n;
        var cov = new double[d, d];
        var centred = new double[d];
        for (int r = 0; r < n; r++)
        {
            for (int i = 0; i < d; i++) centred[i] = x[r * d + i] - mean[i];
            for (int i = 0; i < d; i++)
                for (int j = i; j < d; j++) cov[i, j] += centred[i] * centred[j];
        }
        for (int i = 0; i < d; i++)
            for (int j = i; j < d; j++) cov[j, i] = cov[i, j] /= n - 1;
        return (mean, cov);
    }

    /// <summary>Eigenvalues of a symmetric matrix (cyclic Jacobi).</summary>
    public static double[] Eigenvalues(double[,] symmetric) => Jacobi(symmetric).Values;

    // S^(1/2) = V diag(sqrt(max(lambda, 0))) V^T.
    private static double[,] SymmetricSqrt(double[,] s)
    {
        var (values, vectors) = Jacobi(s);
        int d = values.Length;
        var root = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                double sum = 0;
                for (int k = 0; k < d; k++) sum += vectors[i, k] * Math.Sqrt(Math.Max(values[k], 0)) * vectors[j, k];
                root[i, j] = sum;
            }
        return root;
    }

    private static (double[] Values, double[,] Vectors) Jacobi(double[,] input)
    {
        int d = input.GetLength(0);
        var a = (double[,])input.Clone();
        var v = new double[d, d];
        for (int i = 0; i < d; i++) v[i, i] = 1;
        for (int sweep = 0; sweep < MaxSweeps && OffDiagonal(a) > OffDiagonalTolerance * Math.Max(1, Diagonal(a)); sweep++)
            for (int p = 0; p < d - 1; p++)
                for (int q = p + 1; q < d; q++)
                    if (a[p, q] != 0) Rotate(a, v, p, q);
        var values = new double[d];
        for (int i = 0; i < d; i++) values[i] = a[i, i];
        return (values, v);
    }

    // One Jacobi rotation that zeroes a[p, q]; accumulates the rotation into v.
    private static void Rotate(double[,] a, double[,] v, int p, int q)
    {
        int d = a.GetLength(0);
        double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
        double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < d; k++)
        {
            double akp = a[k, p], akq = a[k, q];
            a[k, p] = c * akp - s * akq;
            a[k, q] = s * akp + c * akq;
        }
        for (int k = 0; k < d; k++)
        {
            double apk = a[p, k], aqk = a[q, k];
            a[p, k] = c * apk - s * aqk;
            a[q, k] = s * apk + c * aqk;
        }
        for (int k = 0; k < d; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = c * vkp - s * vkq;
            v[k, q] = s * vkp + c * vkq;
        }
    }

    private static double OffDiagonal(double[,] a)
    {
        double sum = 0;
        int d = a.GetLength(0);
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                if (i != j) sum += a[i, j] * a[i, j];
        return Math.Sqrt(sum);
    }

    private static double Diagonal(double[,] a)
    {
        double sum = 0;
        for (int i = 0; i < a.GetLength(0); i++) sum += a[i, i] * a[i, i];
        return Math.Sqrt(sum);
    }

    private static double[,] Multiply(double[,] x, double[,] y)
    {
        int d = x.GetLength(0);
        var r = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int k = 0; k < d; k++)
            {
                double xik = x[i, k];
                for (int j = 0; j < d; j++) r[i, j] += xik * y[k, j];
            }
        return r;
    }
}
