using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace AlaeIlgpu.Kernels.Gpu;

/// <summary>
/// ILGPU kernels of the InstanceNorm family: per-plane (per (n, c)) spatial mean and std, the normalisation
/// <c>(x - mean) / sqrt(var + eps)</c> and its input gradient. One group per plane; each thread strides over the plane
/// and the group reduces in shared memory in double (two passes: mean, then squared deviations). Variances are biased;
/// the statistics and the normalisation round as PyTorch's CPU instance norm does (see <see cref="Cpu.CpuInstanceNorm"/>).
/// Launch them through <see cref="InstanceNormLauncher"/>.
/// </summary>
public static class InstanceNormKernels
{
    /// <summary>Largest group size (a power of two); sizes the shared reduction buffer.</summary>
    public const int MaxGroupSize = 256;

    /// <summary>The kernels of this family, for the compile checks.</summary>
    public static IReadOnlyList<KernelEntry> Entries { get; } =
    [
        KernelEntry.Explicit("InstanceNorm.Statistics", typeof(InstanceNormKernels), nameof(Statistics)),
        KernelEntry.Explicit("InstanceNorm.Forward", typeof(InstanceNormKernels), nameof(Forward)),
        KernelEntry.Explicit("InstanceNorm.Backward", typeof(InstanceNormKernels), nameof(Backward)),
    ];

    /// <summary>Group <c>Grid.IdxX</c> writes <c>mean[p]</c> and <c>std[p] = sqrt(var[p] + epsilon)</c> of plane p.</summary>
    /// <param name="x">Input <c>[planes, planeLength]</c>.</param>
    /// <param name="mean">Per-plane mean.</param>
    /// <param name="std">Per-plane standard deviation.</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <param name="epsilon">Added to the variance (0 for StyleALAE E's style statistic).</param>
    public static void Statistics(ArrayView<float> x, ArrayView<float> mean, ArrayView<float> std, int planeLength, float epsilon)
    {
        var shared = SharedMemory.Allocate1D<double>(MaxGroupSize);
        int plane = Grid.IdxX, start = plane * planeLength;
        var (m, variance) = MeanVariance(x, start, planeLength, shared);
        if (Group.IdxX == 0)
        {
            mean[plane] = m;
            std[plane] = XMath.Sqrt(variance + epsilon);
        }
    }

    /// <summary>Group p normalises plane p: <c>y = (x - mean) / sqrt(var + epsilon)</c>, and saves mean and 1/std.</summary>
    /// <param name="x">Input <c>[planes, planeLength]</c>.</param>
    /// <param name="y">Output, shaped like x.</param>
    /// <param name="mean">Per-plane mean.</param>
    /// <param name="inverseStd">Per-plane <c>1 / sqrt(var + epsilon)</c>.</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <param name="epsilon">1e-8 in StyleALAE's G, 1e-5 in its E.</param>
    public static void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> inverseStd,
        int planeLength, float epsilon)
    {
        var shared = SharedMemory.Allocate1D<double>(MaxGroupSize);
        int plane = Grid.IdxX, start = plane * planeLength;
        var (m, variance) = MeanVariance(x, start, planeLength, shared);
        float inverse = (float)(1.0 / XMath.Sqrt(variance + (double)epsilon));
        float shift = -m * inverse;
        for (int i = Group.IdxX; i < planeLength; i += Group.DimX)
        {
            y[start + i] = MathF.FusedMultiplyAdd(x[start + i], inverse, shift);
        }

        if (Group.IdxX == 0)
        {
            mean[plane] = m;
            inverseStd[plane] = inverse;
        }
    }

    /// <summary>Group p writes <c>dx = invStd * (dy - mean(dy) - y * mean(dy * y))</c> for plane p.</summary>
    /// <param name="y">Forward output <c>[planes, planeLength]</c>.</param>
    /// <param name="dy">Output gradient, shaped like y.</param>
    /// <param name="inverseStd">Per-plane inverse standard deviation from the forward pass.</param>
    /// <param name="dx">Input gradient, shaped like y.</param>
    /// <param name="planeLength">Elements per plane.</param>
    public static void Backward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> inverseStd, ArrayView<float> dx, int planeLength)
    {
        var shared = SharedMemory.Allocate1D<double>(MaxGroupSize);
        int plane = Grid.IdxX, start = plane * planeLength;
        double sumG = 0.0, sumGy = 0.0;
        for (int i = Group.IdxX; i < planeLength; i += Group.DimX)
        {
            sumG += dy[start + i];
            sumGy += dy[start + i] * y[start + i];
        }

        float meanG = (float)(GroupSum(sumG, shared) / planeLength);
        float meanGy = (float)(GroupSum(sumGy, shared) / planeLength);
        float inverse = inverseStd[plane];
        for (int i = Group.IdxX; i < planeLength; i += Group.DimX)
        {
            dx[start + i] = inverse * (dy[start + i] - meanG - y[start + i] * meanGy);
        }
    }

    /// <summary>
    /// PyTorch's CPU statistics (see <see cref="Cpu.CpuInstanceNorm"/>): the float mean of a double sum, then the float
    /// variance from a double sum of float squared deviations, rounded to float and divided by the length in float.
    /// </summary>
    private static (float Mean, float Variance) MeanVariance(ArrayView<float> x, int start, int length, ArrayView<double> shared)
    {
        float m = (float)(GroupSum(StridedSum(x, start, length, 0f, false), shared) / length);
        return (m, (float)GroupSum(StridedSum(x, start, length, m, true), shared) / length);
    }

    /// <summary>This thread's share of <c>sum(x - shift)</c> or <c>sum(float((x - shift)^2))</c> over one plane, in double.</summary>
    private static double StridedSum(ArrayView<float> x, int start, int length, float shift, bool square)
    {
        double sum = 0.0;
        for (int i = Group.IdxX; i < length; i += Group.DimX)
        {
            float d = x[start + i] - shift;
            sum += square ? d * d : d;
        }

        return sum;
    }

    /// <summary>Sum of <paramref name="value"/> over the group (a power-of-two size), returned to every thread.</summary>
    private static double GroupSum(double value, ArrayView<double> shared)
    {
        int t = Group.IdxX;
        shared[t] = value;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (t < half)
            {
                shared[t] += shared[t + half];
            }

            Group.Barrier();
        }

        double total = shared[0];
        Group.Barrier();
        return total;
    }
}

/// <summary>
/// Loads the InstanceNorm kernels once for one accelerator and launches them on the default stream, one group per
/// plane, with host-side checks.
/// </summary>
public sealed class InstanceNormLauncher
{
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> _statistics;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float> _forward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int> _backward;
    private readonly int _groupSize;

    /// <summary>Compiles and loads the kernels for <paramref name="accelerator"/>.</summary>
    public InstanceNormLauncher(Accelerator accelerator)
    {
        _statistics = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(
            InstanceNormKernels.Statistics);
        _forward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float>(
            InstanceNormKernels.Forward);
        _backward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(
            InstanceNormKernels.Backward);
        _groupSize = InstanceNormKernels.MaxGroupSize;
        while (_groupSize > accelerator.MaxNumThreadsPerGroup)
        {
            _groupSize /= 2;
        }
    }

    /// <summary><c>mean[p]</c> and <c>std[p] = sqrt(var[p] + epsilon)</c> of every plane.</summary>
    /// <param name="x">Input <c>[planes, planeLength]</c>.</param>
    /// <param name="mean">Per-plane mean <c>[planes]</c> (overwritten).</param>
    /// <param name="std">Per-plane standard deviation <c>[planes]</c> (overwritten).</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <param name="epsilon">Added to the variance; 0 for StyleALAE E's style statistic.</param>
    /// <exception cref="ArgumentException">The lengths do not fit together or epsilon is negative.</exception>
    public void Statistics(ArrayView<float> x, ArrayView<float> mean, ArrayView<float> std, int planeLength, float epsilon)
    {
        int planes = Planes(x.Length, planeLength, epsilon);
        Check(nameof(mean), mean.Length, planes);
        Check(nameof(std), std.Length, planes);
        _statistics(Config(planes), x, mean, std, planeLength, epsilon);
    }

    /// <summary><c>y = (x - mean) / sqrt(var + epsilon)</c> per plane, saving the mean and inverse std.</summary>
    /// <param name="x">Input <c>[planes, planeLength]</c>.</param>
    /// <param name="y">Output, shaped like x (overwritten; may not alias x).</param>
    /// <param name="mean">Per-plane mean (overwritten).</param>
    /// <param name="inverseStd">Per-plane inverse standard deviation (overwritten).</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <param name="epsilon">1e-8 in StyleALAE's G, 1e-5 in its E.</param>
    /// <exception cref="ArgumentException">The lengths do not fit together or epsilon is negative.</exception>
    public void Forward(ArrayView<float> x, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> inverseStd, int planeLength, float epsilon)
    {
        int planes = Planes(x.Length, planeLength, epsilon);
        Check(nameof(y), y.Length, x.Length);
        Check(nameof(mean), mean.Length, planes);
        Check(nameof(inverseStd), inverseStd.Length, planes);
        _forward(Config(planes), x, y, mean, inverseStd, planeLength, epsilon);
    }

    /// <summary>Input gradient of <see cref="Forward"/>: <c>dx = invStd * (dy - mean(dy) - y * mean(dy * y))</c>.</summary>
    /// <param name="y">Forward output <c>[planes, planeLength]</c>.</param>
    /// <param name="dy">Output gradient, shaped like y.</param>
    /// <param name="inverseStd">Per-plane inverse standard deviation from the forward pass.</param>
    /// <param name="dx">Input gradient, shaped like y (overwritten).</param>
    /// <param name="planeLength">Elements per plane.</param>
    /// <exception cref="ArgumentException">The lengths do not fit together.</exception>
    public void Backward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> inverseStd, ArrayView<float> dx, int planeLength)
    {
        int planes = Planes(y.Length, planeLength, 0f);
        Check(nameof(dy), dy.Length, y.Length);
        Check(nameof(dx), dx.Length, y.Length);
        Check(nameof(inverseStd), inverseStd.Length, planes);
        _backward(Config(planes), y, dy, inverseStd, dx, planeLength);
    }

    private KernelConfig Config(int planes) => new(planes, _groupSize);

    private static int Planes(long length, int planeLength, float epsilon)
    {
        if (planeLength <= 0 || length == 0 || length % planeLength != 0 || !(epsilon >= 0))
        {
            throw new ArgumentException(
                $"Instance norm needs a positive plane length dividing the input length and epsilon >= 0; " +
                $"got {length} elements, plane length {planeLength}, epsilon {epsilon}.");
        }

        return (int)(length / planeLength);
    }

    private static void Check(string name, long actual, long expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"Instance norm {name} has {actual} elements, expected {expected}.", name);
        }
    }
}
