using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>Resample (upfirdn2d) kernels against <see cref="NaiveResample"/>, plus adjoint identities.</summary>
public sealed class ResampleKernelTests(IlgpuTestAccelerator simulator) : IClassFixture<IlgpuTestAccelerator>
{
    private readonly ResampleLauncher _launcher = new(simulator.Accelerator);

    // At most 16 taps of O(1) products summed in float32 (fused multiply-adds in a different order than the double
    // reference): errors are a few ulp of O(1) values.
    private const double ResampleAtol = 1e-6;
    private const double ResampleRtol = 1e-6;

    // <A x, y> against <x, A^T y>: two float32 results summed in double over <= 4K terms.
    private const double AdjointRtol = 1e-6;

    /// <summary>(planes, H, W, up, down, Fh, Fw, padTop, padBottom, padLeft, padRight), all valid geometries.</summary>
    public static TheoryData<int[]> General => new()
    {
        new[] { 3, 5, 7, 1, 1, 3, 3, 1, 1, 1, 1 },    // blur, odd size
        new[] { 1, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1 },    // blur of a single pixel
        new[] { 2, 3, 5, 2, 1, 2, 2, 1, 0, 1, 0 },    // nearest 2x
        new[] { 2, 4, 6, 1, 2, 2, 2, 0, 0, 0, 0 },    // 2x2 average pool
        new[] { 2, 5, 4, 2, 1, 4, 4, 2, 1, 2, 1 },    // StyleGAN2-style upsampling FIR
        new[] { 1, 6, 8, 1, 2, 4, 4, 1, 1, 1, 1 },    // blur + downsample
        new[] { 2, 8, 6, 1, 2, 3, 3, 1, 0, 0, 1 },    // asymmetric pads
        new[] { 1, 6, 5, 1, 1, 2, 3, -1, 0, 1, -1 },  // crops (negative pads), non-square filter
        new[] { 2, 3, 4, 3, 2, 5, 5, 2, 2, 2, 3 },    // up 3, down 2
        new[] { 1, 9, 9, 1, 3, 3, 3, 0, 0, 0, 0 },    // down 3 (3x3 pooling)
        new[] { 2, 2, 3, 3, 1, 3, 3, 2, 0, 2, 0 },    // up 3 (3x3 replication)
        new[] { 1, 20, 37, 1, 1, 5, 5, 2, 2, 2, 2 },  // wider than one SIMD register, with a tail
    };

    [Theory]
    [MemberData(nameof(General))]
    public void CpuMatchesNaive(int[] spec)
    {
        var g = Geometry(spec);
        float[] x = ToleranceAssert.Random(g.InputLength, g.Height * g.Width);
        float[] f = ToleranceAssert.Random(g.FilterLength, 7);
        var y = new float[g.OutputLength];
        CpuResample.Apply(x, f, y, g);
        ToleranceAssert.Close(NaiveResample.Apply(x, f, g), y, ResampleAtol, ResampleRtol, $"resample {g}");
    }

    [Theory]
    [MemberData(nameof(General))]
    public void CpuAdjointSatisfiesTheDotProductIdentity(int[] spec)
    {
        var g = Geometry(spec);
        float[] x = ToleranceAssert.Random(g.InputLength, 11);
        float[] dy = ToleranceAssert.Random(g.OutputLength, 12);
        float[] f = ToleranceAssert.Random(g.FilterLength, 13);
        var y = new float[g.OutputLength];
        var dx = new float[g.InputLength];
        CpuResample.Apply(x, f, y, g);
        CpuResample.ApplyAdjoint(dy, f, dx, g);
        double lhs = ToleranceAssert.Dot(y, dy);
        Assert.Equal(lhs, ToleranceAssert.Dot(x, dx), AdjointRtol * (1 + Math.Abs(lhs)));
        Assert.Equal(g, g.Adjoint().Adjoint());
    }

    [Theory]
    [MemberData(nameof(General))]
    public void SimulatorMatchesNaiveForwardAndAdjoint(int[] spec)
    {
        var g = Geometry(spec);
        float[] x = ToleranceAssert.Random(g.InputLength, 31);
        float[] dy = ToleranceAssert.Random(g.OutputLength, 32);
        float[] f = ToleranceAssert.Random(g.FilterLength, 33);
        using var dX = simulator.Upload(x);
        using var dDy = simulator.Upload(dy);
        using var dF = simulator.Upload(f);
        using var y = simulator.Upload(ToleranceAssert.Poisoned(g.OutputLength));
        using var dx = simulator.Upload(ToleranceAssert.Poisoned(g.InputLength));
        _launcher.Apply(dX.View, dF.View, y.View, g);
        _launcher.ApplyAdjoint(dDy.View, dF.View, dx.View, g);
        ToleranceAssert.Close(NaiveResample.Apply(x, f, g), simulator.Download(y), ResampleAtol, ResampleRtol, $"resample {g}");
        var adjoint = g.Adjoint();
        ToleranceAssert.Close(NaiveResample.Apply(dy, ResampleFilters.Flip(f), adjoint), simulator.Download(dx),
            ResampleAtol, ResampleRtol, $"adjoint {adjoint}");
    }


    [Fact]
    public void LauncherRejectsAFilterOfTheWrongSize()
    {
        var g = ResampleGeometry.Blur(2, 4, 4);
        using var x = simulator.Upload(ToleranceAssert.Poisoned(g.InputLength));
        using var f = simulator.Upload(ToleranceAssert.Poisoned(4));
        var e = Assert.Throws<ArgumentException>(() => _launcher.Apply(x.View, f.View, x.View, g));
        Assert.Contains("filter", e.Message);
    }

    [Theory]
    [InlineData(4 * 64, 32, 32)]   // E block 0 / G block 3 at batch 4
    [InlineData(4 * 128, 16, 16)]
    [InlineData(4 * 256, 8, 8)]
    public void CpuAlaeShapesMatchNaive(int planes, int h, int w)
    {
        float[] x = ToleranceAssert.Random(planes * h * w, planes);
        CheckNamed(ResampleGeometry.Blur(planes, h, w), ResampleFilters.Blur3x3(), x);
        CheckNamed(ResampleGeometry.AveragePool2x2(planes, h, w), ResampleFilters.Average2x2(), x);
        CheckNamed(ResampleGeometry.UpsampleNearest2x(planes, h, w), ResampleFilters.Nearest2x(), x);
    }

    [Fact]
    public void NearestUpsampleCopiesEachPixelIntoA2x2Block()
    {
        var g = ResampleGeometry.UpsampleNearest2x(2, 3, 5);
        float[] x = ToleranceAssert.Random(g.InputLength, 21);
        var y = new float[g.OutputLength];
        CpuResample.Apply(x, ResampleFilters.Nearest2x(), y, g);
        Assert.Equal((6, 10), (g.OutHeight, g.OutWidth));
        for (int p = 0; p < 2; p++)
        for (int i = 0; i < 6; i++)
        for (int j = 0; j < 10; j++)
        {
            Assert.Equal(x[(p * 3 + i / 2) * 5 + j / 2], y[(p * 6 + i) * 10 + j]);
        }
    }

    [Fact]
    public void AveragePoolAveragesEach2x2Block()
    {
        var g = ResampleGeometry.AveragePool2x2(1, 2, 4);
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8];
        var y = new float[g.OutputLength];
        CpuResample.Apply(x, ResampleFilters.Average2x2(), y, g);
        Assert.Equal(new[] { 3.5f, 5.5f }, y);
    }

    [Fact]
    public void BlurKeepsAConstantInteriorAndSumsToOne()
    {
        var g = ResampleGeometry.Blur(1, 5, 5);
        float[] x = Enumerable.Repeat(2f, 25).ToArray();
        var y = new float[g.OutputLength];
        CpuResample.Apply(x, ResampleFilters.Blur3x3(), y, g);
        Assert.Equal(2f, y[2 * 5 + 2], 6);
        Assert.Equal(2f * 9 / 16, y[0], 6); // corner: only the 2x2 lower-right part of the filter hits the input
        Assert.Equal(1f, ResampleFilters.Blur3x3().Sum(), 6);
    }

    [Theory]
    [InlineData(5, 4)]
    [InlineData(4, 7)]
    public void AveragePoolOfAnOddSizeIsRejected(int h, int w)
    {
        var e = Assert.Throws<ArgumentException>(() => ResampleGeometry.AveragePool2x2(3, h, w));
        Assert.Contains("even size", e.Message);
        Assert.Contains($"[{h}, {w}]", e.Message);
    }

    [Fact]
    public void BadFactorsAndOversizedFiltersAreRejected()
    {
        Assert.Throws<ArgumentException>(() => ResampleGeometry.Create(1, 4, 4, 0, 1, 3, 3, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>(() => ResampleGeometry.Create(1, 4, 4, 1, 1, 7, 3, 1, 1, 1, 1));
        var g = ResampleGeometry.Blur(2, 4, 4);
        Assert.Throws<ArgumentException>(() => CpuResample.Apply(new float[32], new float[4], new float[32], g));
    }

    private static ResampleGeometry Geometry(int[] s) =>
        ResampleGeometry.Create(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10]);

    private static void CheckNamed(ResampleGeometry g, float[] filter, float[] x)
    {
        var y = new float[g.OutputLength];
        CpuResample.Apply(x, filter, y, g);
        ToleranceAssert.Close(NaiveResample.Apply(x, filter, g), y, ResampleAtol, ResampleRtol, $"resample {g}");
    }
}
