namespace AlaeIlgpu.Tests.Reference;

/// <summary>Instance statistics and normalisation in double: the oracle for the instance-norm kernels.</summary>
public static class NaiveInstanceNorm
{
    /// <summary>Per-plane mean and sqrt(biased variance + epsilon).</summary>
    public static (float[] Mean, float[] Std) Statistics(float[] x, int planeLength, double epsilon)
    {
        int planes = x.Length / planeLength;
        float[] mean = new float[planes], std = new float[planes];
        for (int p = 0; p < planes; p++)
        {
            (double m, double v) = MeanVariance(x, p, planeLength);
            mean[p] = (float)m;
            std[p] = (float)Math.Sqrt(v + epsilon);
        }

        return (mean, std);
    }

    /// <summary>y = (x - mean) / sqrt(var + epsilon) per plane.</summary>
    public static float[] Forward(float[] x, int planeLength, double epsilon) =>
        Array.ConvertAll(ForwardDouble(x, planeLength, epsilon), v => (float)v);

    /// <summary>dx = J^T dy with the Jacobian of <see cref="Forward"/> written out entry by entry.</summary>
    public static float[] Backward(float[] x, float[] dy, int planeLength, double epsilon)
    {
        double[] y = ForwardDouble(x, planeLength, epsilon);
        var dx = new float[x.Length];
        for (int p = 0; p < x.Length / planeLength; p++)
        {
            double inverse = 1 / Math.Sqrt(MeanVariance(x, p, planeLength).Variance + epsilon);
            for (int i = 0; i < planeLength; i++)
            {
                double sum = 0;
                for (int j = 0; j < planeLength; j++)
                {
                    double dyjDxi = inverse * ((i == j ? 1.0 : 0.0) - 1.0 / planeLength - y[p * planeLength + i] * y[p * planeLength + j] / planeLength);
                    sum += dy[p * planeLength + j] * dyjDxi;
                }

                dx[p * planeLength + i] = (float)sum;
            }
        }

        return dx;
    }

    private static double[] ForwardDouble(float[] x, int planeLength, double epsilon)
    {
        var y = new double[x.Length];
        for (int p = 0; p < x.Length / planeLength; p++)
        {
            (double m, double v) = MeanVariance(x, p, planeLength);
            for (int i = 0; i < planeLength; i++)
            {
                y[p * planeLength + i] = (x[p * planeLength + i] - m) / Math.Sqrt(v + epsilon);
            }
        }

        return y;
    }

    private static (double Mean, double Variance) MeanVariance(float[] x, int plane, int planeLength)
    {
        double sum = 0, squares = 0;
        for (int i = 0; i < planeLength; i++)
        {
            sum += x[plane * planeLength + i];
        }

        double mean = sum / planeLength;
        for (int i = 0; i < planeLength; i++)
        {
            double d = x[plane * planeLength + i] - mean;
            squares += d * d;
        }

        return (mean, squares / planeLength);
    }
}
