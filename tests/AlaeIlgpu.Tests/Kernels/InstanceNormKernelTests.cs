using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>Instance statistics and instance norm kernels against <see cref="NaiveInstanceNorm"/>.</summary>
public sealed class InstanceNormKernelTests(IlgpuTestAccelerator simulator) : IClassFixture<IlgpuTestAccelerator>
{
    private readonly InstanceNormLauncher _launcher = new(simulator.Accelerator);

    // Inputs are 3 + U(-1, 1): means are O(1) and normalised outputs O(1); float32 two-pass sums over <= 1024 elements
    // were measured within 3e-7 relative of the double reference.
    private const double StatsAtol = 1e-5;
    private const double StatsRtol = 1e-5;

    // Normalised values divide by a std of ~0.58 (measured error up to 1e-6), and the backward subtracts two plane means.
    private const double NormAtol = 2e-5;
    private const double NormRtol = 2e-5;

    // The kernels normalise as PyTorch does, fma(x, invStd, -mean * invStd). A one-element plane has mean = x and
    // invStd = 1 / sqrt(eps), so its exact 0 comes out as the rounding error of x * invStd: at most 2^-24 |x| invStd.
    private const double HalfUlp = 1.0 / (1 << 24);

    private const float GeneratorEpsilon = 1e-8f; // StyleALAE G's instance norm
    private const float EncoderEpsilon = 1e-5f;   // StyleALAE E's instance norm (PyTorch default)

    /// <summary>(planes, plane length, epsilon): odd lengths, one element, StyleALAE mnist layers at batch 4.</summary>
    public static TheoryData<int, int, float> Shapes => new()
    {
        { 3, 7, EncoderEpsilon },
        { 1, 1, EncoderEpsilon },
        { 5, 33, GeneratorEpsilon },
        { 2, 2, 0f },
        { 4 * 64, 32 * 32, EncoderEpsilon },
        { 4 * 128, 16 * 16, GeneratorEpsilon },
        { 4 * 256, 4 * 4, GeneratorEpsilon },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CpuStatisticsMatchNaive(int planes, int planeLength, float epsilon)
    {
        float[] x = Input(planes * planeLength, planes);
        float[] mean = new float[planes], std = new float[planes];
        CpuInstanceNorm.Statistics(x, mean, std, planeLength, epsilon);
        (float[] expectedMean, float[] expectedStd) = NaiveInstanceNorm.Statistics(x, planeLength, epsilon);
        ToleranceAssert.Close(expectedMean, mean, StatsAtol, StatsRtol, "mean");
        ToleranceAssert.Close(expectedStd, std, StatsAtol, StatsRtol, "std");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void CpuForwardAndBackwardMatchNaive(int planes, int planeLength, float epsilon)
    {
        if (epsilon == 0f || planeLength == 1)
        {
            epsilon = EncoderEpsilon; // the normalisation itself needs eps > 0 where a plane can be constant
        }

        float[] x = Input(planes * planeLength, planes + 1);
        float[] dy = ToleranceAssert.Random(x.Length, planes + 2);
        float[] y = new float[x.Length], dx = new float[x.Length];
        float[] mean = new float[planes], inverse = new float[planes];
        CpuInstanceNorm.Forward(x, y, mean, inverse, planeLength, epsilon);
        ToleranceAssert.Close(NaiveInstanceNorm.Forward(x, planeLength, epsilon), y, ForwardAtol(x, planeLength, epsilon), NormRtol, "forward");
        (float[] expectedMean, float[] expectedStd) = NaiveInstanceNorm.Statistics(x, planeLength, epsilon);
        ToleranceAssert.Close(expectedMean, mean, StatsAtol, StatsRtol, "forward mean");
        ToleranceAssert.Close(Array.ConvertAll(expectedStd, s => 1 / s), inverse, StatsAtol, StatsRtol, "forward inverse std");

        if (planeLength <= 256)
        {
            CpuInstanceNorm.Backward(y, dy, inverse, dx, planeLength);
            ToleranceAssert.Close(NaiveInstanceNorm.Backward(x, dy, planeLength, epsilon), dx, NormAtol, NormRtol, "backward");
        }
    }

    /// <summary>Small shapes for the simulator: (planes, plane length, epsilon).</summary>
    public static TheoryData<int, int, float> SimulatorShapes => new()
    {
        { 3, 7, EncoderEpsilon },
        { 1, 1, EncoderEpsilon },
        { 5, 33, GeneratorEpsilon },
        { 2, 16, 0f },
        { 6, 64, GeneratorEpsilon },
    };

    [Theory]
    [MemberData(nameof(SimulatorShapes))]
    public void SimulatorMatchesNaive(int planes, int planeLength, float epsilon)
    {
        float[] x = Input(planes * planeLength, planes + 5);
        float[] dy = ToleranceAssert.Random(x.Length, planes + 6);
        using var dX = simulator.Upload(x);
        using var dDy = simulator.Upload(dy);
        using var mean = simulator.Upload(ToleranceAssert.Poisoned(planes));
        using var std = simulator.Upload(ToleranceAssert.Poisoned(planes));
        _launcher.Statistics(dX.View, mean.View, std.View, planeLength, epsilon);
        (float[] expectedMean, float[] expectedStd) = NaiveInstanceNorm.Statistics(x, planeLength, epsilon);
        ToleranceAssert.Close(expectedMean, simulator.Download(mean), StatsAtol, StatsRtol, "mean");
        ToleranceAssert.Close(expectedStd, simulator.Download(std), StatsAtol, StatsRtol, "std");

        float normEpsilon = Math.Max(epsilon, EncoderEpsilon); // normalising a constant plane needs eps > 0
        using var y = simulator.Upload(ToleranceAssert.Poisoned(x.Length));
        using var inverse = simulator.Upload(ToleranceAssert.Poisoned(planes));
        using var dx = simulator.Upload(ToleranceAssert.Poisoned(x.Length));
        _launcher.Forward(dX.View, y.View, mean.View, inverse.View, planeLength, normEpsilon);
        _launcher.Backward(y.View, dDy.View, inverse.View, dx.View, planeLength);
        ToleranceAssert.Close(NaiveInstanceNorm.Forward(x, planeLength, normEpsilon), simulator.Download(y),
            ForwardAtol(x, planeLength, normEpsilon), NormRtol, "forward");
        ToleranceAssert.Close(NaiveInstanceNorm.Backward(x, dy, planeLength, normEpsilon), simulator.Download(dx), NormAtol, NormRtol, "backward");
    }


    [Fact]
    public void LauncherRejectsBadShapes()
    {
        using var x = simulator.Upload(ToleranceAssert.Poisoned(12));
        using var stats = simulator.Upload(ToleranceAssert.Poisoned(3));
        Assert.Throws<ArgumentException>(() => _launcher.Statistics(x.View, stats.View, stats.View, 5, 0f));
        Assert.Throws<ArgumentException>(() => _launcher.Statistics(x.View, stats.View, stats.View, 6, 0f));
    }

    [Fact]
    public void StdWithoutEpsilonOfAConstantPlaneIsZero()
    {
        float[] x = [2f, 2f, 2f, 2f, 1f, 3f, 1f, 3f];
        float[] mean = new float[2], std = new float[2];
        CpuInstanceNorm.Statistics(x, mean, std, 4, 0f);
        Assert.Equal(new[] { 2f, 2f }, mean);
        Assert.Equal(new[] { 0f, 1f }, std);
    }

    [Fact]
    public void BadShapesAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuInstanceNorm.Statistics(new float[10], new float[3], new float[3], 3, 0f));
        Assert.Contains("plane length 3", e.Message);
        Assert.Throws<ArgumentException>(() => CpuInstanceNorm.Statistics(new float[9], new float[2], new float[3], 3, 0f));
        Assert.Throws<ArgumentException>(() => CpuInstanceNorm.Forward(new float[9], new float[9], new float[3], new float[3], 3, -1f));
    }

    private static double ForwardAtol(float[] x, int planeLength, float epsilon) =>
        planeLength == 1 ? HalfUlp * x.Max(Math.Abs) / Math.Sqrt(epsilon) : NormAtol;

    private static float[] Input(int length, int seed) =>
        Array.ConvertAll(ToleranceAssert.Random(length, seed), v => v + 3f);
}
