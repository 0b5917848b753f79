using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// The modulated-convolution kernels (<see cref="CpuModulatedConv"/> and <see cref="ModulatedConvLauncher"/> on the
/// ILGPU simulator) against <see cref="NaiveModulatedConv"/>: forward and all four gradients, with and without
/// demodulation. The demodulation factors here are arbitrary positive inputs, as the kernels take them.
/// </summary>
public sealed class ModulatedConvKernelTests(IlgpuTestAccelerator simulator) : IClassFixture<IlgpuTestAccelerator>
{
    // Weights scaled by 1/sqrt(fan-in), styles and factors O(1): outputs and dx are O(1) sums of up to ~2.3K float
    // products, like plain conv (whose kernels these reuse); measured worst 3.1e-6 against the double reference.
    private const double ConvAtol = 2e-5;
    private const double ConvRtol = 1e-5;

    // dw sums N*H*W products per entry and ds / dd sum H*W products per plane; magnitudes reach ~80 (ToRGB dw, 2K
    // products). Measured worst error 1.5e-5 (cpu), so these leave room for the simulator's other summation order.
    private const double ReductionAtol = 1e-4;
    private const double ReductionRtol = 1e-5;

    private readonly ModulatedConvLauncher _launcher = new(simulator.Accelerator);

    /// <summary>Small and odd shapes: (N, Cin, H, W, Cout, K), stride 1 and padding K/2.</summary>
    public static TheoryData<int, int, int, int, int, int> SmallShapes => new()
    {
        { 1, 1, 1, 1, 1, 1 },
        { 1, 1, 5, 7, 1, 3 },
        { 2, 3, 5, 5, 4, 1 },
        { 3, 5, 7, 6, 2, 3 },
        { 2, 4, 9, 4, 7, 3 },
        { 1, 2, 3, 3, 3, 5 },
        { 7, 3, 4, 5, 6, 3 },   // several images stacked in one cpu core buffer, a partial last chunk
    };

    /// <summary>StyleGAN2-type layers at the mnist config's sizes (batch 2): (N, Cin, H, W, Cout, K).</summary>
    public static TheoryData<int, int, int, int, int, int> AlaeShapes => new()
    {
        { 2, 256, 4, 4, 256, 3 },
        { 2, 128, 16, 16, 128, 3 },
        { 2, 128, 32, 32, 64, 3 },
        { 2, 64, 32, 32, 1, 1 },    // ToRGB: 1x1, used without demodulation in StyleGAN2
    };

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void CpuMatchesNaiveOnSmallShapes(int n, int cin, int h, int w, int cout, int k)
    {
        var g = Geometry(n, cin, h, w, cout, k);
        foreach (bool demodulate in new[] { true, false })
        {
            CheckCpu(new Inputs(g, demodulate, seed: n * 100 + cin * 10 + h));
        }
    }

    [Theory]
    [MemberData(nameof(AlaeShapes))]
    public void CpuMatchesNaiveOnAlaeShapes(int n, int cin, int h, int w, int cout, int k)
    {
        var g = Geometry(n, cin, h, w, cout, k);
        CheckCpu(new Inputs(g, demodulate: k > 1, seed: cin + cout));
    }

    [Fact]
    public void CpuComputesOnlyTheRequestedGradients()
    {
        var data = new Inputs(Geometry(2, 3, 5, 4, 4, 3), demodulate: true, seed: 9);
        var expected = data.ExpectedGradients();
        var ds = new float[data.Style.Length];
        var dd = new float[data.Demodulation.Length];
        var dx = ToleranceAssert.Poisoned(data.X.Length);
        CpuModulatedConv.Backward(data.X, data.W, data.Style, data.Demodulation, data.ExpectedY(), data.Dy, [], [], ds, [], data.G);
        ToleranceAssert.Close(expected.Style, ds, ReductionAtol, ReductionRtol, "style gradient alone");
        CpuModulatedConv.Backward(data.X, data.W, data.Style, data.Demodulation, data.ExpectedY(), data.Dy, dx, [], [], dd, data.G);
        ToleranceAssert.Close(expected.Input, dx, ConvAtol, ConvRtol, "input gradient without the style gradient");
        ToleranceAssert.Close(expected.Demodulation, dd, ReductionAtol, ReductionRtol, "demodulation gradient");
    }

    [Theory]
    [MemberData(nameof(SmallShapes))]
    public void SimulatorMatchesNaiveOnSmallShapes(int n, int cin, int h, int w, int cout, int k)
    {
        var g = Geometry(n, cin, h, w, cout, k);
        foreach (bool demodulate in new[] { true, false })
        {
            CheckSimulator(new Inputs(g, demodulate, seed: n * 100 + cin * 10 + h));
        }
    }

    [Fact]
    public void SimulatorMatchesNaiveWithEightByEightRegisterTiles()
    {
        using (TileShape.Force(new TileShape(2, 16, RegisterSide: 8)))
        {
            CheckSimulator(new Inputs(Geometry(3, 5, 7, 6, 2, 3), demodulate: true, seed: 12));
            CheckSimulator(new Inputs(Geometry(2, 4, 9, 4, 7, 3), demodulate: false, seed: 13));
        }
    }

    [Fact]
    public void SimulatorMatchesNaiveOnAToRgbSizedLayer() =>
        CheckSimulator(new Inputs(Geometry(2, 16, 8, 8, 3, 1), demodulate: false, seed: 11));

    [Fact]
    public void StyleOfTheWrongWidthIsRejectedWithTheShapes()
    {
        var g = Geometry(2, 3, 4, 4, 5, 3);
        var e = Assert.Throws<ArgumentException>(() => CpuModulatedConv.Forward(new float[g.InputLength], new float[g.WeightLength],
            new float[2 * 4], [], new float[g.OutputLength], g));
        Assert.Contains("style", e.Message);
        Assert.Contains("input [2, 3, 4, 4]", e.Message);
        using var x = simulator.Upload(new float[g.InputLength]);
        using var w = simulator.Upload(new float[g.WeightLength]);
        using var s = simulator.Upload(new float[2 * 3]);
        using var d = simulator.Upload(new float[2 * 4]);
        using var y = simulator.Upload(new float[g.OutputLength]);
        e = Assert.Throws<ArgumentException>(() => _launcher.Forward(x.View, w.View, s.View, d.View, y.View, g));
        Assert.Contains("demodulation", e.Message);
        Assert.Contains("weight [5, 3, 3, 3]", e.Message);
    }

    [Fact]
    public void GradientRequestsThatCannotBeMetAreRejected()
    {
        var g = Geometry(1, 2, 3, 3, 2, 3);
        float[] x = new float[g.InputLength], w = new float[g.WeightLength], s = new float[2], y = new float[g.OutputLength];
        var e = Assert.Throws<ArgumentException>(() => CpuModulatedConv.Backward(x, w, s, [], y, y, [], [], [], new float[2], g));
        Assert.Contains("needs demodulation factors", e.Message);
        Assert.Throws<ArgumentException>(() => CpuModulatedConv.Backward(x, w, s, [], y, y, [], new float[3], [], [], g));
        using var dX = simulator.Upload(x);
        using var dW = simulator.Upload(w);
        using var dS = simulator.Upload(s);
        using var dY = simulator.Upload(y);
        e = Assert.Throws<ArgumentException>(() =>
            _launcher.Backward(dX.View, dW.View, dS.View, default, dY.View, dY.View, default, default, dS.View, default, g));
        Assert.Contains("scratch", e.Message);
    }

    private static Conv2dGeometry Geometry(int n, int cin, int h, int w, int cout, int k) =>
        Conv2dGeometry.Create(n, cin, h, w, cout, k, k, 1, k / 2);

    private static void CheckCpu(Inputs data)
    {
        var y = new float[data.G.OutputLength];
        CpuModulatedConv.Forward(data.X, data.W, data.Style, data.Demodulation, y, data.G);
        ToleranceAssert.Close(data.ExpectedY(), y, ConvAtol, ConvRtol, $"cpu forward {data}");

        var grads = new NaiveModulatedConv.Gradients(new float[data.X.Length], new float[data.W.Length],
            new float[data.Style.Length], new float[data.Demodulation.Length]);
        CpuModulatedConv.Backward(data.X, data.W, data.Style, data.Demodulation, y, data.Dy, grads.Input, grads.Weight, grads.Style,
            grads.Demodulation, data.G);
        CheckGradients(data, grads, "cpu");
    }

    private void CheckSimulator(Inputs data)
    {
        using var x = simulator.Upload(data.X);
        using var w = simulator.Upload(data.W);
        using var s = simulator.Upload(data.Style);
        using var d = simulator.Upload(data.Demodulation);
        using var dy = simulator.Upload(data.Dy);
        using var y = simulator.Upload(ToleranceAssert.Poisoned(data.G.OutputLength));
        using var dx = simulator.Upload(ToleranceAssert.Poisoned(data.X.Length));
        using var dw = simulator.Upload(ToleranceAssert.Poisoned(data.W.Length));
        using var ds = simulator.Upload(ToleranceAssert.Poisoned(data.Style.Length));
        using var dd = simulator.Upload(ToleranceAssert.Poisoned(data.Demodulation.Length));
        var demodulation = data.Demodulation.Length > 0 ? d.View : default;

        _launcher.Forward(x.View, w.View, s.View, demodulation, y.View, data.G);
        ToleranceAssert.Close(data.ExpectedY(), simulator.Download(y), ConvAtol, ConvRtol, $"simulator forward {data}");
        _launcher.Backward(x.View, w.View, s.View, demodulation, y.View, dy.View, dx.View, dw.View, ds.View,
            data.Demodulation.Length > 0 ? dd.View : default, data.G);
        var grads = new NaiveModulatedConv.Gradients(simulator.Download(dx), simulator.Download(dw), simulator.Download(ds),
            data.Demodulation.Length > 0 ? simulator.Download(dd) : []);
        CheckGradients(data, grads, "simulator");
    }

    private static void CheckGradients(Inputs data, NaiveModulatedConv.Gradients actual, string where)
    {
        var expected = data.ExpectedGradients();
        ToleranceAssert.Close(expected.Input, actual.Input, ConvAtol, ConvRtol, $"{where} input gradient {data}");
        ToleranceAssert.Close(expected.Weight, actual.Weight, ReductionAtol, ReductionRtol, $"{where} weight gradient {data}");
        ToleranceAssert.Close(expected.Style, actual.Style, ReductionAtol, ReductionRtol, $"{where} style gradient {data}");
        ToleranceAssert.Close(expected.Demodulation, actual.Demodulation, ReductionAtol, ReductionRtol, $"{where} demodulation gradient {data}");
    }

    /// <summary>Seeded kernel inputs: x and dy in [-1, 1), w scaled by 1/sqrt(fan-in), s in +-[0.5, 1.5), d in [0.5, 2).</summary>
    private sealed class Inputs
    {
        public Inputs(Conv2dGeometry g, bool demodulate, int seed)
        {
            G = g;
            X = ToleranceAssert.Random(g.InputLength, seed);
            W = ToleranceAssert.Random(g.WeightLength, seed + 1, 1f / MathF.Sqrt(g.InChannels * g.KernelHeight * g.KernelWidth));
            Style = Array.ConvertAll(ToleranceAssert.Random(g.Batch * g.InChannels, seed + 2), v => v + MathF.CopySign(0.5f, v));
            Demodulation = demodulate
                ? Array.ConvertAll(ToleranceAssert.Random(g.Batch * g.OutChannels, seed + 3), v => 1.25f + 0.75f * v)
                : [];
            Dy = ToleranceAssert.Random(g.OutputLength, seed + 4, 1f / MathF.Sqrt(g.OutChannels));
        }

        public Conv2dGeometry G { get; }
        public float[] X { get; }
        public float[] W { get; }
        public float[] Style { get; }
        public float[] Demodulation { get; }
        public float[] Dy { get; }

        private double[] DemodulationDouble => Array.ConvertAll(Demodulation, v => (double)v);

        /// <summary>The reference forward output (also what the demodulation gradient reads as y).</summary>
        public float[] ExpectedY() => NaiveModulatedConv.Forward(X, W, Style, DemodulationDouble, G);

        public NaiveModulatedConv.Gradients ExpectedGradients() => NaiveModulatedConv.Backward(X, W, Style, DemodulationDouble, Dy, G);

        public override string ToString() => $"{G}, {(Demodulation.Length > 0 ? "demodulated" : "not demodulated")}";
    }
}
