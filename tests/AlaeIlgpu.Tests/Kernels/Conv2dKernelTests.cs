using System.Numerics;
using System.Runtime.Intrinsics;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;
using ILGPU;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>Conv2d kernels (forward, input gradient, weight gradient, transposed) against <see cref="NaiveConv"/>.</summary>
public sealed class Conv2dKernelTests(IlgpuTestAccelerator simulator) : IClassFixture<IlgpuTestAccelerator>
{
    private readonly Conv2dLauncher _launcher = new(simulator.Accelerator);
    private readonly NaiveGpuLauncher _naive = new(simulator.Accelerator);

    // Weights are scaled by 1/sqrt(fan-in), so forward outputs and input gradients are O(1) sums of up to ~2.3K
    // float32 products; float accumulation was measured within 2.5e-6 of the double reference (worst: 256 channels).
    private const double ConvAtol = 2e-5;
    private const double ConvRtol = 1e-5;

    // Weight gradients sum up to N*Ho*Wo = 2K products of O(1) values per entry (magnitude up to ~30), accumulated per
    // image in float lanes and then across images; measured worst error 4e-6, so the bound scales with the sum.
    private const double WeightGradAtol = 1e-4;
    private const double WeightGradRtol = 1e-5;

    // <conv(x), y> and <x, conv^T(y)> are two different float32 summation orders of the same ~1e5-term double sum.
    private const double AdjointRtol = 1e-5;

    /// <summary>Small odd shapes: (N, Cin, H, W, Cout, K, stride, pad).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> SmallShapes => new()
    {
        { 1, 1, 5, 7, 1, 3, 1, 1 },
        { 2, 3, 7, 5, 4, 3, 2, 1 },
        { 1, 2, 6, 6, 3, 4, 2, 1 },
        { 2, 3, 5, 5, 2, 1, 1, 0 },
        { 3, 5, 9, 8, 10, 3, 1, 0 },
        { 1, 4, 8, 8, 9, 4, 2, 1 },
        { 2, 2, 4, 5, 3, 3, 2, 0 },
        { 1, 1, 1, 1, 1, 1, 1, 0 },
        { 2, 3, 3, 3, 2, 3, 1, 2 },
        { 1, 2, 2, 3, 2, 3, 2, 1 },
        { 1, 17, 3, 11, 13, 2, 2, 1 },
        { 7, 3, 6, 7, 4, 3, 2, 1 },       // several images stacked in one core buffer, a partial last chunk
        { 9, 2, 3, 4, 3, 3, 1, 1 },       // stride-1 "same" conv, several images per core buffer, a partial last chunk
        { 5, 3, 6, 7, 4, 5, 1, 2 },       // stride-1 "same" conv with padding two wide, stacked
    };

    /// <summary>StyleALAE mnist-config layers (official configs/mnist.yaml), batch 2: (N, Cin, H, W, Cout, K, stride, pad).</summary>
    public static TheoryData<int, int, int, int, int, int, int, int> AlaeShapes => new()
    {
        { 2, 64, 32, 32, 64, 3, 1, 1 },   // E block 0, first conv
        { 2, 64, 32, 32, 128, 3, 1, 1 },  // E block 0, in -> out
        { 2, 128, 16, 16, 128, 3, 1, 1 }, // G block 2, E block 1
        { 2, 256, 8, 8, 256, 3, 1, 1 },   // G block 1, E blocks 2-3
        { 2, 256, 4, 4, 256, 3, 1, 1 },   // G block 0
        { 8, 256, 4, 4, 256, 3, 1, 1 },   // G block 0 at batch 8: several images per core buffer
        { 2, 64, 32, 32, 1, 1, 1, 0 },    // ToRGB
        { 2, 1, 32, 32, 64, 1, 1, 0 },    // FromRGB
        { 2, 64, 32, 32, 64, 4, 2, 1 },   // fused downsampling conv (used at >= 128 px, same code path)
    };

    /// <summary>
    /// The cpu paths: the direct path at both SIMD widths (both run on any machine, 512 is emulated without AVX-512)
    /// and the explicit-im2col path, each forced whatever the image size.
    /// </summary>
    public static TheoryData<string> Widths => new(CpuPaths);

    private static readonly string[] CpuPaths = ["512", "vector", "im2col"];

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void CpuMatchesNaiveOnSmallShapes(int n, int cin, int h, int w, int cout, int k, int stride, int pad)
    {
        var g = Conv2dGeometry.Create(n, cin, h, w, cout, k, k, stride, pad);
        foreach (string width in CpuPaths)
        {
            CheckAllPasses(g, width, seed: n * 1000 + cin * 100 + h);
        }
    }

    [Theory]
    [MemberData(nameof(AlaeShapes))]
    public void CpuMatchesNaiveOnAlaeShapes(int n, int cin, int h, int w, int cout, int k, int stride, int pad)
    {
        var g = Conv2dGeometry.Create(n, cin, h, w, cout, k, k, stride, pad);
        CheckAllPasses(g, "default", seed: cin + cout);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void CpuInputGradientIsTheAdjointOfForward(string width)
    {
        var g = Conv2dGeometry.Create(3, 6, 9, 7, 5, 3, 3, 2, 1);
        float[] x = ToleranceAssert.Random(g.InputLength, 1);
        float[] w = ToleranceAssert.Random(g.WeightLength, 2);
        float[] dy = ToleranceAssert.Random(g.OutputLength, 3);
        var y = new float[g.OutputLength];
        var dx = new float[g.InputLength];
        var dw = new float[g.WeightLength];
        Run(width, Pass.Forward, g, x, w, [], y);
        Run(width, Pass.InputGradient, g, dy, w, [], dx);
        Run(width, Pass.WeightGradient, g, x, dy, [], dw);

        double lhs = ToleranceAssert.Dot(y, dy);
        Assert.Equal(lhs, ToleranceAssert.Dot(x, dx), AdjointRtol * Math.Abs(lhs));
        Assert.Equal(lhs, ToleranceAssert.Dot(w, dw), AdjointRtol * Math.Abs(lhs));
    }

    [Theory]
    [InlineData(2, 5, 3, 4, 7, 4, 2, 1)]  // G's fused upsampling shape: 4x4, stride 2, pad 1 doubles the size
    [InlineData(1, 3, 5, 2, 6, 3, 2, 1)]
    [InlineData(2, 4, 4, 3, 3, 3, 1, 1)]
    public void CpuTransposedConvMatchesScatterReference(int n, int cinT, int h, int w, int coutT, int k, int stride, int pad)
    {
        int[] xShape = [n, cinT, h, w];
        var g = Conv2dGeometry.ForTransposed(xShape, [cinT, coutT, k, k], stride, pad);
        Assert.Equal((h - 1) * stride - 2 * pad + k, g.Height);
        float[] x = ToleranceAssert.Random(n * cinT * h * w, 4);
        float[] weight = ToleranceAssert.Random(g.WeightLength, 5, 1f / MathF.Sqrt(cinT * k * k));
        var y = new float[g.InputLength];
        CpuConv2d.TransposedForward(x, weight, y, g);
        ToleranceAssert.Close(NaiveConv.TransposedForward(x, weight, g), y, ConvAtol, ConvRtol, "transposed conv");
    }

    /// <summary>Forward, input gradient and weight gradient with 8 x 8 register tiles instead of the picked 4 x 4.</summary>
    [Theory]
    [InlineData(2, 3, 9, 7, 5, 3, 1, 1)]
    [InlineData(3, 4, 8, 8, 6, 3, 2, 1)]
    public void SimulatorMatchesNaiveWithEightByEightRegisterTiles(int n, int cin, int h, int w, int cout, int k, int stride, int pad)
    {
        using (TileShape.Force(new TileShape(2, 16, RegisterSide: 8)))
        {
            CheckAllPassesOnSimulator(Conv2dGeometry.Create(n, cin, h, w, cout, k, k, stride, pad), naive: false, seed: 77);
        }
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void SimulatorMatchesNaiveOnSmallShapes(int n, int cin, int h, int w, int cout, int k, int stride, int pad)
    {
        var g = Conv2dGeometry.Create(n, cin, h, w, cout, k, k, stride, pad);
        foreach (bool naive in new[] { true, false })
        {
            CheckAllPassesOnSimulator(g, naive, seed: n * 1000 + cin * 100 + h);
        }
    }

    [Fact]
    public void SimulatorTransposedConvMatchesScatterReference()
    {
        var g = Conv2dGeometry.ForTransposed([2, 5, 3, 4], [5, 3, 4, 4], 2, 1);
        float[] x = ToleranceAssert.Random(g.OutputLength, 6);
        float[] weight = ToleranceAssert.Random(g.WeightLength, 7, 0.25f);
        using var dx = simulator.Upload(x);
        using var dw = simulator.Upload(weight);
        using var dy = simulator.Upload(ToleranceAssert.Poisoned(g.InputLength));
        _launcher.TransposedForward(dx.View, dw.View, dy.View, g);
        ToleranceAssert.Close(NaiveConv.TransposedForward(x, weight, g), simulator.Download(dy), ConvAtol, ConvRtol, "transposed conv");
    }


    [Fact]
    public void LauncherRejectsViewsOfTheWrongLength()
    {
        var g = Conv2dGeometry.Create(1, 2, 4, 4, 3, 3, 3, 1, 1);
        using var x = simulator.Upload(ToleranceAssert.Poisoned(g.InputLength));
        using var w = simulator.Upload(ToleranceAssert.Poisoned(g.WeightLength));
        using var y = simulator.Upload(ToleranceAssert.Poisoned(g.OutputLength + 1));
        var e = Assert.Throws<ArgumentException>(() => _launcher.Forward(x.View, w.View, default, y.View, g));
        Assert.Contains("output [1, 3, 4, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => _launcher.WeightGradient(x.View, w.View, w.View, default, g));
    }

    [Fact]
    public void FusedUpsamplingTransposedConvDoublesTheSize()
    {
        var g = Conv2dGeometry.ForTransposed([2, 8, 16, 16], [8, 4, 4, 4], 2, 1);
        Assert.Equal((32, 32, 4, 8), (g.Height, g.Width, g.InChannels, g.OutChannels));
    }

    [Fact]
    public void KernelLargerThanPaddedInputIsRejectedWithShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Conv2dGeometry.Create([1, 2, 2, 2], [3, 2, 5, 5], 1, 1));
        Assert.Contains("[1, 2, 2, 2]", e.Message);
        Assert.Contains("larger than the padded input", e.Message);
    }

    [Fact]
    public void ChannelMismatchIsRejectedWithShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Conv2dGeometry.Create([1, 3, 8, 8], [4, 2, 3, 3], 1, 1));
        Assert.Contains("[1, 3, 8, 8]", e.Message);
        Assert.Contains("[4, 2, 3, 3]", e.Message);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(3, 1)]
    [InlineData(1, -1)]
    [InlineData(1, 3)]
    public void BadStrideOrPaddingIsRejected(int stride, int pad)
    {
        var e = Assert.Throws<ArgumentException>(() => Conv2dGeometry.Create([1, 2, 8, 8], [2, 2, 3, 3], stride, pad));
        Assert.Contains("weight [2, 2, 3, 3]", e.Message);
    }

    [Fact]
    public void WrongRankIsRejected() =>
        Assert.Throws<ArgumentException>(() => Conv2dGeometry.Create([2, 8, 8], [2, 2, 3, 3], 1, 1));

    [Fact]
    public void TransposedChannelMismatchIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => Conv2dGeometry.ForTransposed([1, 3, 4, 4], [4, 2, 4, 4], 2, 1));
        Assert.Contains("[4, 2, 4, 4]", e.Message);
    }

    [Fact]
    public void BufferOfTheWrongLengthIsRejected()
    {
        var g = Conv2dGeometry.Create(1, 2, 4, 4, 3, 3, 3, 1, 1);
        var e = Assert.Throws<ArgumentException>(() =>
            CpuConv2d.Forward(new float[g.InputLength], new float[g.WeightLength - 1], [], new float[g.OutputLength], g));
        Assert.Contains("weight", e.Message);
        Assert.Throws<ArgumentException>(() =>
            CpuConv2d.WeightGradient(new float[g.InputLength], new float[g.OutputLength], new float[g.WeightLength], new float[2], g));
    }

    private static void CheckAllPasses(Conv2dGeometry g, string width, int seed)
    {
        float scale = 1f / MathF.Sqrt(g.InChannels * g.KernelHeight * g.KernelWidth);
        float[] x = ToleranceAssert.Random(g.InputLength, seed);
        float[] w = ToleranceAssert.Random(g.WeightLength, seed + 1, scale);
        float[] b = ToleranceAssert.Random(g.OutChannels, seed + 2);
        float[] dy = ToleranceAssert.Random(g.OutputLength, seed + 3, 1f / MathF.Sqrt(g.OutChannels));

        var y = new float[g.OutputLength];
        Run(width, Pass.Forward, g, x, w, b, y);
        ToleranceAssert.Close(NaiveConv.Forward(x, w, b, g), y, ConvAtol, ConvRtol, $"forward {width} {g}");

        var dx = new float[g.InputLength];
        Run(width, Pass.InputGradient, g, dy, w, [], dx);
        ToleranceAssert.Close(NaiveConv.InputGradient(dy, w, g), dx, ConvAtol, ConvRtol, $"input gradient {width} {g}");

        var dw = new float[g.WeightLength];
        var db = new float[g.OutChannels];
        Run(width, Pass.WeightGradient, g, x, dy, db, dw);
        ToleranceAssert.Close(NaiveConv.WeightGradient(x, dy, g), dw, WeightGradAtol, WeightGradRtol, $"weight gradient {width} {g}");
        ToleranceAssert.Close(NaiveConv.BiasGradient(dy, g), db, WeightGradAtol, WeightGradRtol, $"bias gradient {width} {g}");
    }

    // The production (tiled) launcher, or with `naive` the tests' naive baseline kernels, against NaiveConv.
    private void CheckAllPassesOnSimulator(Conv2dGeometry g, bool naive, int seed)
    {
        string algorithm = naive ? "naive" : "tiled";
        float scale = 1f / MathF.Sqrt(g.InChannels * g.KernelHeight * g.KernelWidth);
        float[] x = ToleranceAssert.Random(g.InputLength, seed);
        float[] w = ToleranceAssert.Random(g.WeightLength, seed + 1, scale);
        float[] b = ToleranceAssert.Random(g.OutChannels, seed + 2);
        float[] dy = ToleranceAssert.Random(g.OutputLength, seed + 3, 1f / MathF.Sqrt(g.OutChannels));
        using var dX = simulator.Upload(x);
        using var dW = simulator.Upload(w);
        using var dB = simulator.Upload(b);
        using var dDy = simulator.Upload(dy);
        using var y = simulator.Upload(ToleranceAssert.Poisoned(g.OutputLength));
        using var dx = simulator.Upload(ToleranceAssert.Poisoned(g.InputLength));
        using var dw = simulator.Upload(ToleranceAssert.Poisoned(g.WeightLength));
        using var db = simulator.Upload(ToleranceAssert.Poisoned(g.OutChannels));

        if (naive) _naive.Forward(dX.View, dW.View, dB.View, y.View, g);
        else _launcher.Forward(dX.View, dW.View, dB.View, y.View, g);
        ToleranceAssert.Close(NaiveConv.Forward(x, w, b, g), simulator.Download(y), ConvAtol, ConvRtol, $"forward {algorithm} {g}");
        if (naive) _naive.InputGradient(dDy.View, dW.View, dx.View, g);
        else _launcher.InputGradient(dDy.View, dW.View, dx.View, g);
        ToleranceAssert.Close(NaiveConv.InputGradient(dy, w, g), simulator.Download(dx), ConvAtol, ConvRtol, $"input gradient {algorithm} {g}");
        if (naive) _naive.WeightGradient(dX.View, dDy.View, dw.View, db.View, g);
        else _launcher.WeightGradient(dX.View, dDy.View, dw.View, db.View, g);
        ToleranceAssert.Close(NaiveConv.WeightGradient(x, dy, g), simulator.Download(dw), WeightGradAtol, WeightGradRtol, $"weight gradient {algorithm} {g}");
        ToleranceAssert.Close(NaiveConv.BiasGradient(dy, g), simulator.Download(db), WeightGradAtol, WeightGradRtol, $"bias gradient {algorithm} {g}");
    }

    private enum Pass { Forward, InputGradient, WeightGradient }

    /// <summary>Runs one pass; for the weight gradient <paramref name="extra"/> is db, otherwise the bias.</summary>
    private static void Run(string width, Pass pass, Conv2dGeometry g, float[] a, float[] b, float[] extra, float[] result)
    {
        switch (pass, width)
        {
            case (Pass.Forward, "512"): CpuConv2d.Forward<Lanes512, Vector512<float>>(a, b, extra, result, g); break;
            case (Pass.Forward, "vector"): CpuConv2d.Forward<LanesVectorT, Vector<float>>(a, b, extra, result, g); break;
            case (Pass.Forward, "im2col"): CpuConv2d.ForwardIm2Col(a, b, extra, result, g); break;
            case (Pass.Forward, _): CpuConv2d.Forward(a, b, extra, result, g); break;
            case (Pass.InputGradient, "512"): CpuConv2d.InputGradient<Lanes512, Vector512<float>>(a, b, result, g); break;
            case (Pass.InputGradient, "vector"): CpuConv2d.InputGradient<LanesVectorT, Vector<float>>(a, b, result, g); break;
            case (Pass.InputGradient, "im2col"): CpuConv2d.InputGradientIm2Col(a, b, result, g); break;
            case (Pass.InputGradient, _): CpuConv2d.InputGradient(a, b, result, g); break;
            case (Pass.WeightGradient, "512"): CpuConv2d.WeightGradient<Lanes512, Vector512<float>>(a, b, result, extra, g); break;
            case (Pass.WeightGradient, "vector"): CpuConv2d.WeightGradient<LanesVectorT, Vector<float>>(a, b, result, extra, g); break;
            case (Pass.WeightGradient, "im2col"): CpuConv2d.WeightGradientIm2Col(a, b, result, extra, g); break;
            default: CpuConv2d.WeightGradient(a, b, result, extra, g); break;
        }
    }
}
