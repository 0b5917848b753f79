using System.Numerics;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Per-plane (per (n, c) of an NCHW tensor) spatial statistics and instance normalisation without affine parameters,
/// for the <c>cpu</c> backend. Variances are biased (divided by the plane length), as in PyTorch's InstanceNorm and
/// StyleALAE's style statistics. The statistics follow PyTorch's CPU instance norm (its batch norm kernel), whose float32
/// rounding the official checkpoints' outputs carry: the mean is a double sum rounded to float, the variance a double sum
/// of float squared deviations from that float mean, rounded to float and divided by the plane length in float; the
/// normalisation is <c>fma(x, invStd, -mean * invStd)</c> with <c>invStd = 1 / sqrt(var + eps)</c> taken in double.
/// This matters where a plane's variance is tiny (G's first block normalises its nearly constant input), since the
/// output then magnifies each rounding of the statistics by 1/std.
/// </summary>
public static class CpuInstanceNorm
{
    /// <summary>Elements per parallel work item, so that small planes are batched together.</summary>
    private const int ElementsPerTask = 1 << 15;

    /// <summary><c>mean[p]</c> and <c>std[p] = sqrt(var[p] + epsilon)</c> of every plane.</summary>
    /// <param name="input">x <c>[planes, planeLength]</c>.</param>
    /// <param name="mean">Per-plane mean <c>[planes]</c> (overwritten).</param>
    /// <param name="std">Per-plane standard deviation <c>[planes]</c> (overwritten).</param>
    /// <param name="planeLength">Elements per plane (H * W).</param>
    /// <param name="epsilon">Added to the variance before the square root; 0 for StyleALAE E's style statistic.</param>
    /// <exception cref="ArgumentException">The lengths do not fit together or epsilon is negative.</exception>
    public static void Statistics(ReadOnlySpan<float> input, Span<float> mean, Span<float> std, int planeLength, float epsilon)
    {
        int planes = CheckShapes(input.Length, planeLength, epsilon);
        CheckPlanes(nameof(mean), mean.Length, planes);
        CheckPlanes(nameof(std), std.Length, planes);
        float[] means = new float[planes], stds = new float[planes];
        ForEachPlane(input, planeLength, (plane, x) =>
        {
            (means[plane], float variance) = MeanVariance(x);
            stds[plane] = MathF.Sqrt(variance + epsilon);
        });
        means.CopyTo(mean);
        stds.CopyTo(std);
    }

    /// <summary>
    /// <c>y = (x - mean) / sqrt(var + epsilon)</c> per plane; also returns the mean and the inverse standard deviation
    /// that <see cref="Backward"/> needs.
    /// </summary>
    /// <param name="input">x <c>[planes, planeLength]</c>.</param>
    /// <param name="output">y, shaped like x (overwritten; may not alias x).</param>
    /// <param name="mean">Per-plane mean <c>[planes]</c> (overwritten).</param>
    /// <param name="inverseStd">Per-plane <c>1 / sqrt(var + epsilon)</c> <c>[planes]</c> (overwritten).</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <param name="epsilon">1e-8 in StyleALAE's G, 1e-5 in its E.</param>
    /// <exception cref="ArgumentException">The lengths do not fit together or epsilon is negative.</exception>
    public static unsafe void Forward(ReadOnlySpan<float> input, Span<float> output, Span<float> mean, Span<float> inverseStd,
        int planeLength, float epsilon)
    {
        int planes = CheckShapes(input.Length, planeLength, epsilon);
        CheckPlanes(nameof(output), output.Length, input.Length);
        CheckPlanes(nameof(mean), mean.Length, planes);
        CheckPlanes(nameof(inverseStd), inverseStd.Length, planes);
        float[] means = new float[planes], inverses = new float[planes];
        fixed (float* y = output)
        {
            float* py = y;
            ForEachPlane(input, planeLength, (plane, x) =>
            {
                (float m, float variance) = MeanVariance(x);
                float inverse = (float)(1.0 / Math.Sqrt(variance + (double)epsilon));
                (means[plane], inverses[plane]) = (m, inverse);
                Normalize(x, new Span<float>(py + plane * planeLength, planeLength), m, inverse);
            });
        }

        means.CopyTo(mean);
        inverses.CopyTo(inverseStd);
    }

    /// <summary>
    /// Input gradient of <see cref="Forward"/>: <c>dx = invStd * (dy - mean(dy) - y * mean(dy * y))</c> per plane.
    /// </summary>
    /// <param name="output">y of the forward pass <c>[planes, planeLength]</c>.</param>
    /// <param name="outputGradient">dy, shaped like y.</param>
    /// <param name="inverseStd">Per-plane inverse standard deviation from the forward pass.</param>
    /// <param name="inputGradient">dx, shaped like y (overwritten).</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public static unsafe void Backward(ReadOnlySpan<float> output, ReadOnlySpan<float> outputGradient, ReadOnlySpan<float> inverseStd,
        Span<float> inputGradient, int planeLength)
    {
        int planes = CheckShapes(output.Length, planeLength, 0f);
        CheckPlanes(nameof(outputGradient), outputGradient.Length, output.Length);
        CheckPlanes(nameof(inputGradient), inputGradient.Length, output.Length);
        CheckPlanes(nameof(inverseStd), inverseStd.Length, planes);
        float[] inverses = inverseStd.ToArray();
        fixed (float* dy = outputGradient, dx = inputGradient)
        {
            float* pdy = dy, pdx = dx;
            ForEachPlane(output, planeLength, (plane, y) =>
            {
                var g = new ReadOnlySpan<float>(pdy + plane * planeLength, planeLength);
                BackwardPlane(y, g, new Span<float>(pdx + plane * planeLength, planeLength), inverses[plane]);
            });
        }
    }

    private delegate void PlaneAction(int plane, ReadOnlySpan<float> values);

    /// <summary>Runs <paramref name="action"/> on every plane, batching small planes into one parallel work item.</summary>
    private static unsafe void ForEachPlane(ReadOnlySpan<float> input, int planeLength, PlaneAction action)
    {
        int planes = input.Length / planeLength;
        int perTask = Math.Max(1, ElementsPerTask / planeLength);
        fixed (float* x = input)
        {
            float* px = x;
            CpuWorkers.Run((planes + perTask - 1) / perTask, t =>
            {
                for (int plane = t * perTask; plane < Math.Min(planes, (t + 1) * perTask); plane++)
                {
                    action(plane, new ReadOnlySpan<float>(px + plane * planeLength, planeLength));
                }
            });
        }
    }

    /// <summary>
    /// The float mean (a double sum), then the float variance (a double sum of the float squared deviations from that
    /// mean, rounded to float, divided by the length in float): PyTorch's two passes and roundings.
    /// </summary>
    private static (float Mean, float Variance) MeanVariance(ReadOnlySpan<float> x)
    {
        float mean = (float)(Sum(x, 0f, square: false) / x.Length);
        return (mean, (float)Sum(x, mean, square: true) / x.Length);
    }

    /// <summary><c>sum(x - shift)</c> or <c>sum(float((x - shift)^2))</c>, accumulated in double on SIMD lanes.</summary>
    private static double Sum(ReadOnlySpan<float> x, float shift, bool square)
    {
        int width = Vector<float>.Count;
        var offset = new Vector<float>(shift);
        Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero;
        int i = 0;
        for (; i <= x.Length - width; i += width)
        {
            var v = new Vector<float>(x.Slice(i, width)) - offset;
            Vector.Widen(square ? v * v : v, out var low, out var high);
            a0 += low;
            a1 += high;
        }

        double sum = Vector.Sum(a0 + a1);
        for (; i < x.Length; i++)
        {
            float d = x[i] - shift;
            sum += square ? d * d : d;
        }

        return sum;
    }

    /// <summary><c>y = fma(x, inverse, -mean * inverse)</c>: PyTorch's affine form of <c>(x - mean) * inverse</c>.</summary>
    private static void Normalize(ReadOnlySpan<float> x, Span<float> y, float mean, float inverse)
    {
        int width = Vector<float>.Count;
        float shift = -mean * inverse;
        var s = new Vector<float>(inverse);
        var b = new Vector<float>(shift);
        int i = 0;
        for (; i <= x.Length - width; i += width)
        {
            Vector.FusedMultiplyAdd(new Vector<float>(x.Slice(i, width)), s, b).CopyTo(y.Slice(i, width));
        }

        for (; i < x.Length; i++)
        {
            y[i] = MathF.FusedMultiplyAdd(x[i], inverse, shift);
        }
    }

    /// <summary><c>dx = inverse * (dy - mean(dy) - y * mean(dy * y))</c> for one plane.</summary>
    private static void BackwardPlane(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float inverse)
    {
        int width = Vector<float>.Count;
        Vector<float> sumG = Vector<float>.Zero, sumGy = Vector<float>.Zero;
        int i = 0;
        for (; i <= y.Length - width; i += width)
        {
            var g = new Vector<float>(dy.Slice(i, width));
            sumG += g;
            sumGy = Vector.FusedMultiplyAdd(g, new Vector<float>(y.Slice(i, width)), sumGy);
        }

        float meanG = Vector.Sum(sumG), meanGy = Vector.Sum(sumGy);
        for (; i < y.Length; i++)
        {
            meanG += dy[i];
            meanGy += dy[i] * y[i];
        }

        meanG /= y.Length;
        meanGy /= y.Length;
        var vG = new Vector<float>(meanG);
        var vGy = new Vector<float>(meanGy);
        var vInverse = new Vector<float>(inverse);
        for (i = 0; i <= y.Length - width; i += width)
        {
            var g = new Vector<float>(dy.Slice(i, width)) - vG;
            (vInverse * (g - new Vector<float>(y.Slice(i, width)) * vGy)).CopyTo(dx.Slice(i, width));
        }

        for (; i < y.Length; i++)
        {
            dx[i] = inverse * (dy[i] - meanG - y[i] * meanGy);
        }
    }

    private static int CheckShapes(int length, int planeLength, float epsilon)
    {
        if (planeLength <= 0 || length == 0 || length % planeLength != 0 || !(epsilon >= 0))
        {
            throw new ArgumentException(
                $"Instance norm needs a positive plane length dividing the input length and epsilon >= 0; " +
                $"got {length} elements, plane length {planeLength}, epsilon {epsilon}.");
        }

        return length / planeLength;
    }

    private static void CheckPlanes(string name, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Instance norm {name} has {actual} elements, expected {expected}.", name);
        }
    }
}
