using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// <see cref="ModulatedConvOp"/> on cpu and ilgpu-cpu: the whole layer (demodulation factors from w and s included)
/// against <see cref="NaiveModulatedConv"/>, its first- and second-order gradients against finite differences, the
/// composed backward (used for gradients of gradients) against the fused one, and its shape checks.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class ModulatedConvOpTests(SimulatorFixture fixture)
{
    // The layer is one fused conv plus a handful of [N, Cout] ops for d: conv-level float32 error (see
    // ModulatedConvKernelTests) on O(1) outputs, plus a few ulps from d.
    private const double Atol = 2e-5;
    private const double Rtol = 1e-5;

    // Fewer finite-difference probes per input on the simulator, which runs each forward pass ~100x slower.
    private const int SimulatorProbes = 6;

    /// <summary>(backend, demodulate) for every test backend.</summary>
    public static TheoryData<string, bool> BackendsAndModes()
    {
        var data = new TheoryData<string, bool>();
        foreach (var name in SimulatorFixture.BackendNames)
        {
            data.Add(name, true);
            data.Add(name, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BackendsAndModes))]
    public void LayerMatchesReference(string backendName, bool demodulate)
    {
        var backend = fixture.Get(backendName);
        foreach (int[] shape in new[] { new[] { 2, 3, 5, 6, 4, 3 }, [1, 1, 4, 3, 1, 1], [3, 4, 3, 5, 2, 1] })
        {
            using var scope = new TensorScope();
            var (x, w, s) = Inputs(backend, shape, seed: shape[1]);
            var g = Conv2dGeometry.Create(x.Shape.Dims, w.Shape.Dims, 1, shape[5] / 2);
            var expected = NaiveModulatedConv.Forward(x.ToArray(), w.ToArray(), s.ToArray(), demodulate, g);
            var y = ModulatedConvOp.ModulatedConv2d(x, w, s, demodulate);
            Assert.Equal(new TensorShape(shape[0], shape[4], shape[2], shape[3]), y.Shape);
            ToleranceAssert.Close(expected, y.ToArray(), Atol, Rtol, $"{backendName} modulated conv {g}, demodulate {demodulate}");
        }
    }

    [Fact]
    public void DemodulatedFiltersHaveUnitNorm()
    {
        using var scope = new TensorScope();
        var (_, w, s) = Inputs(CpuBackend.Instance, [3, 5, 1, 1, 4, 3], seed: 4);
        float[] d = ModulatedConvOp.Demodulation(w, s).ToArray(), wd = w.ToArray(), sd = s.ToArray();
        for (int n = 0; n < 3; n++)
        for (int o = 0; o < 4; o++)
        {
            double norm = 0;
            for (int j = 0; j < 5 * 9; j++) norm += Math.Pow(wd[o * 45 + j] * sd[n * 5 + j / 9] * d[n * 4 + o], 2);
            Assert.Equal(1.0, norm, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(BackendsAndModes))]
    public void GradientsOfInputWeightAndStyleMatchFiniteDifferences(string backendName, bool demodulate)
    {
        var backend = fixture.Get(backendName);
        int probes = backendName == "cpu" ? 24 : SimulatorProbes;
        foreach (int[] shape in new[] { new[] { 2, 3, 4, 5, 2, 3 }, [1, 1, 3, 3, 1, 1] })
        {
            using var scope = new TensorScope();
            var (x, w, s) = Inputs(backend, shape, seed: 7);
            var weights = TestData.NormalTensor(backend, 8, [shape[0], shape[4], shape[2], shape[3]]);
            GradCheck.Check(t => ReduceOp.Sum(ModulatedConvOp.ModulatedConv2d(t[0], t[1], t[2], demodulate) * weights), [x, w, s], probes);
        }
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void StyleAndWeightGradientsAloneMatchFiniteDifferences(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var (x, w, s) = Inputs(backend, [2, 3, 4, 4, 2, 3], seed: 9);
        var weights = TestData.NormalTensor(backend, 10, [2, 2, 4, 4]);
        // x needs no gradient here, so the backward computes ds without a dx for the caller (a scratch pass on ILGPU).
        GradCheck.Check(t => ReduceOp.Sum(ModulatedConvOp.ModulatedConv2d(x, t[0], t[1]) * weights), [w, s],
            backendName == "cpu" ? 24 : SimulatorProbes);
    }

    [Theory]
    [MemberData(nameof(BackendsAndModes))]
    public void GradientOfGradientNormMatchesFiniteDifferences(string backendName, bool demodulate)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var (x, w, s) = Inputs(backend, [2, 2, 3, 4, 3, 3], seed: 11);
        var weights = TestData.NormalTensor(backend, 12, [2, 3, 3, 4]);
        // softplus on top makes the inner gradient depend on x, so the backward is differentiated in all its inputs.
        GradCheck.Check(t =>
        {
            var inner = ReduceOp.Sum(ElementwiseOp.Softplus(ModulatedConvOp.ModulatedConv2d(t[0], t[1], t[2], demodulate)) * weights);
            var gx = Autograd.Grad([inner], [t[0]], createGraph: true)[0];
            return ReduceOp.Sum(ElementwiseOp.Square(gx));
        }, [x, w, s], backendName == "cpu" ? 24 : SimulatorProbes);
    }

    [Theory]
    [MemberData(nameof(BackendsAndModes))]
    public void ComposedBackwardMatchesTheFusedKernel(string backendName, bool demodulate)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        var (x, w, s) = Inputs(backend, [3, 4, 5, 3, 2, 3], seed: 13);
        x.RequiresGrad = w.RequiresGrad = s.RequiresGrad = true;
        var dy = TestData.NormalTensor(backend, 14, [3, 2, 5, 3]);
        var y = ModulatedConvOp.ModulatedConv2d(x, w, s, demodulate);
        var fused = Autograd.Grad([y], [x, w, s], [dy]);
        var composed = Autograd.Grad([y], [x, w, s], [dy], createGraph: true);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(composed[i].RequiresGrad, $"composed gradient {i} is not on the tape");
            ToleranceAssert.Close(fused[i].ToArray(), composed[i].ToArray(), Atol, Rtol, $"{backendName} gradient {i}, demodulate {demodulate}");
        }
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 4 }, new[] { 5, 3, 3, 3 }, new[] { 2, 4 }, "style must be [N, Cin] = [2, 3]")]
    [InlineData(new[] { 2, 3, 4, 4 }, new[] { 5, 3, 3, 3 }, new[] { 1, 3 }, "style must be [N, Cin] = [2, 3]")]
    [InlineData(new[] { 2, 3, 4, 4 }, new[] { 5, 3, 3, 3 }, new[] { 2, 3, 1 }, "needs x [N, Cin, H, W]")]
    [InlineData(new[] { 2, 3, 4, 4 }, new[] { 5, 3, 2, 2 }, new[] { 2, 3 }, "odd size")]
    [InlineData(new[] { 2, 3, 4, 4 }, new[] { 5, 3, 3, 1 }, new[] { 2, 3 }, "square kernel")]
    [InlineData(new[] { 2, 3, 4, 4 }, new[] { 5, 2, 3, 3 }, new[] { 2, 3 }, "channel mismatch")]
    public void BadShapesAreRejectedWithTheShapes(int[] xShape, int[] wShape, int[] sShape, string reason)
    {
        using var scope = new TensorScope();
        var b = CpuBackend.Instance;
        var e = Assert.Throws<ArgumentException>(() =>
            ModulatedConvOp.ModulatedConv2d(Tensor.Zeros(b, xShape), Tensor.Zeros(b, wShape), Tensor.Zeros(b, sShape)));
        Assert.Contains(reason, e.Message);
        Assert.Contains(new TensorShape(wShape).ToString(), e.Message);
    }

    [Fact]
    public void TensorsOnDifferentBackendsAreRejected()
    {
        using var scope = new TensorScope();
        var (x, w, s) = Inputs(CpuBackend.Instance, [1, 2, 3, 3, 2, 3], seed: 12);
        var e = Assert.Throws<ArgumentException>(() => ModulatedConvOp.ModulatedConv2d(x, w, s.ToDevice(fixture.Simulator)));
        Assert.Contains("different devices", e.Message);
    }

    /// <summary>
    /// x ~ N(0, 1) [N, Cin, H, W], w ~ N(0, 1/fan-in) [Cout, Cin, K, K] and s with |s| in [0.1, 1.6) [N, Cin], from
    /// (N, Cin, H, W, Cout, K).
    /// </summary>
    private static (Tensor X, Tensor W, Tensor S) Inputs(Backend backend, int[] shape, int seed)
    {
        int n = shape[0], cin = shape[1], h = shape[2], width = shape[3], cout = shape[4], k = shape[5];
        var x = TestData.NormalTensor(backend, seed, [n, cin, h, width]);
        var w = TestData.NormalTensor(backend, seed + 1, [cout, cin, k, k], 1f / MathF.Sqrt(cin * k * k));
        var s = Tensor.FromArray(backend, TestData.AwayFromZero(seed + 2, n * cin), n, cin);
        return (x, w, s);
    }
}
