using AlaeIlgpu.Autodiff;
using AlaeIlgpu.Backends;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Ops;
using AlaeIlgpu.Tests.Reference;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>
/// Conv2dOp's passes (forward, input and weight gradients, transposed and fused convolutions) against the naive
/// references on cpu and ilgpu-cpu, the fused convolutions against their unfused equivalents, and bad shapes.
/// Finite-difference and second-order checks are in <see cref="GradCases"/>.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class Conv2dOpTests(SimulatorFixture fixture)
{
    /// <summary>
    /// A pass sums k = Cin Kh Kw (forward), Cout Kh Kw (input gradient) or N Ho Wo (weight gradient) products of N(0, 1)
    /// values in float32 in a kernel-specific order: the error stays below 1e-6 k (see MatMulOpTests' GemmAtolPerK).
    /// </summary>
    private const double AtolPerTerm = 1e-6;

    /// <summary>Relative part: a few roundings per output beyond the accumulation.</summary>
    private const double Rtol = 1e-5;

    /// <summary>(N, Cin, H, W, Cout, K, stride, padding): odd sizes, size 1, stride 2 (floored), 1x1 and 4x4 kernels.</summary>
    public static readonly int[][] Shapes =
    [
        [2, 3, 5, 4, 4, 3, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 0],
        [2, 2, 7, 6, 3, 3, 2, 1],
        [1, 3, 4, 4, 2, 4, 2, 1],   // E's fused downsampling shape
        [3, 4, 3, 3, 5, 1, 1, 0],   // FromRGB / ToRGB
        [1, 2, 3, 5, 2, 3, 1, 0],   // valid convolution
    ];

    /// <summary>Backend x shape.</summary>
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var backend in SimulatorFixture.BackendNames)
            for (int i = 0; i < Shapes.Length; i++) data.Add(backend, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesMatchReference(string backendName, int shape)
    {
        var backend = fixture.Get(backendName);
        int[] s = Shapes[shape];
        var g = Conv2dGeometry.Create(s[0], s[1], s[2], s[3], s[4], s[5], s[5], s[6], s[7]);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 1, [g.Batch, g.InChannels, g.Height, g.Width]);
        var w = TestData.NormalTensor(backend, 2, [g.OutChannels, g.InChannels, g.KernelHeight, g.KernelWidth]);
        var b = TestData.NormalTensor(backend, 3, [g.OutChannels]);
        var dy = TestData.NormalTensor(backend, 4, [g.Batch, g.OutChannels, g.OutHeight, g.OutWidth]);
        float[] xd = x.ToArray(), wd = w.ToArray(), bd = b.ToArray(), dyd = dy.ToArray();
        int taps = g.KernelHeight * g.KernelWidth;
        string what = $"on {backendName} for {g}";

        Close(NaiveConv.Forward(xd, wd, bd, g), Conv2dOp.Conv2d(x, w, b, g.Stride, g.Padding), g.InChannels * taps, "forward " + what);
        Close(NaiveConv.Forward(xd, wd, [], g), Conv2dOp.Conv2d(x, w, null, g.Stride, g.Padding), g.InChannels * taps, "forward without bias " + what);
        Close(NaiveConv.InputGradient(dyd, wd, g), Conv2dOp.InputGradient(dy, w, g), g.OutChannels * taps, "input gradient " + what);
        Close(NaiveConv.WeightGradient(xd, dyd, g), Conv2dOp.WeightGradient(x, dy, g), g.Batch * g.OutHeight * g.OutWidth, "weight gradient " + what);
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void AutogradOfConv2dGivesTheReferenceGradients(string backendName)
    {
        var backend = fixture.Get(backendName);
        var g = Conv2dGeometry.Create(2, 3, 6, 5, 4, 3, 3, 2, 1);
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(backend, 1, [2, 3, 6, 5]);
        var w = TestData.NormalTensor(backend, 2, [4, 3, 3, 3]);
        var b = TestData.NormalTensor(backend, 3, [4]);
        var dy = TestData.NormalTensor(backend, 4, [2, 4, g.OutHeight, g.OutWidth]);
        foreach (var t in new[] { x, w, b }) t.RequiresGrad = true;
        var grads = Autograd.Grad([Conv2dOp.Conv2d(x, w, b, 2, 1)], [x, w, b], [dy]);
        float[] dyd = dy.ToArray();
        Close(NaiveConv.InputGradient(dyd, w.ToArray(), g), grads[0], 4 * 9, "dx");
        Close(NaiveConv.WeightGradient(x.ToArray(), dyd, g), grads[1], 2 * g.OutHeight * g.OutWidth, "dw");
        Close(NaiveConv.BiasGradient(dyd, g), grads[2], 2 * g.OutHeight * g.OutWidth, "db");
    }

    [Theory]
    [MemberData(nameof(SimulatorFixture.Backends), MemberType = typeof(SimulatorFixture))]
    public void ConvTranspose2dMatchesReference(string backendName)
    {
        var backend = fixture.Get(backendName);
        using var scope = new TensorScope();
        foreach (var (xShape, wShape, stride, pad) in new (int[], int[], int, int)[]
                 { ([2, 3, 3, 4], [3, 2, 4, 4], 2, 1), ([1, 2, 3, 3], [2, 3, 3, 3], 1, 1), ([1, 1, 1, 1], [1, 2, 3, 3], 2, 0) })
        {
            var g = Conv2dGeometry.ForTransposed(xShape, wShape, stride, pad);
            var x = TestData.NormalTensor(backend, 1, xShape);
            var w = TestData.NormalTensor(backend, 2, wShape);
            var b = TestData.NormalTensor(backend, 3, [wShape[1]]);
            float[] expected = NaiveConv.TransposedForward(x.ToArray(), w.ToArray(), g);
            float[] bias = b.ToArray();
            int plane = g.Height * g.Width;
            for (int i = 0; i < expected.Length; i++) expected[i] += bias[i / plane % g.InChannels];
            Close(expected, Conv2dOp.ConvTranspose2d(x, w, b, stride, pad), g.OutChannels * g.KernelHeight * g.KernelWidth,
                $"conv-transpose2d on {backendName}, x {string.Join("x", xShape)}, w {string.Join("x", wShape)}");
        }
    }

    [Fact]
    public void FusedDownsampleEqualsConvThenAveragePool()
    {
        using var scope = new TensorScope();
        var cpu = CpuBackend.Instance;
        var x = TestData.NormalTensor(cpu, 1, [2, 3, 6, 4]);
        var w = TestData.NormalTensor(cpu, 2, [5, 3, 3, 3]);
        var b = TestData.NormalTensor(cpu, 3, [5]);
        var unfused = ResampleOp.AveragePool2x2(Conv2dOp.Conv2d(x, w, null, 1, 1)) + ShapeOp.Reshape(b, 1, 5, 1, 1);
        Close(unfused.ToArray(), Conv2dOp.FusedDownsample(x, w, b), 3 * 16, "fused downsample");
    }

    [Fact]
    public void FusedUpsampleEqualsNearestUpsampleThenConvWithTheFlippedTransposedWeight()
    {
        using var scope = new TensorScope();
        var cpu = CpuBackend.Instance;
        var x = TestData.NormalTensor(cpu, 1, [2, 3, 3, 2]);
        var w = TestData.NormalTensor(cpu, 2, [3, 4, 3, 3]);   // [Cin, Cout, K, K]
        float[] wd = w.ToArray();
        var convWeight = new float[wd.Length];                  // [Cout, Cin, K, K], flipped
        for (int ci = 0; ci < 3; ci++)
            for (int co = 0; co < 4; co++)
                for (int t = 0; t < 9; t++) convWeight[(co * 3 + ci) * 9 + t] = wd[(ci * 4 + co) * 9 + 8 - t];
        var unfused = Conv2dOp.Conv2d(ResampleOp.UpsampleNearest2x(x), Tensor.FromArray(cpu, convWeight, 4, 3, 3, 3), null, 1, 1);
        Close(unfused.ToArray(), Conv2dOp.FusedUpsample(x, w), 3 * 16, "fused upsample");
    }

    [Fact]
    public void FusedKernelsAreTheShiftedWeightsSummedOrAveraged()
    {
        using var scope = new TensorScope();
        var w = Tensor.FromArray(CpuBackend.Instance, [1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);
        float[] sum = [1, 3, 5, 3, 5, 12, 16, 9, 11, 24, 28, 15, 7, 15, 17, 9];
        Assert.Equal(sum, Conv2dOp.FusedUpsampleKernel(w).ToArray());
        Assert.Equal(sum.Select(v => v * 0.25f), Conv2dOp.FusedDownsampleKernel(w).ToArray());
    }

    [Fact]
    public void BadShapesNameTheShapes()
    {
        using var scope = new TensorScope();
        var cpu = CpuBackend.Instance;
        var e = Assert.Throws<ArgumentException>(() => Conv2dOp.Conv2d(Tensor.Zeros(cpu, 1, 2, 2, 2), Tensor.Zeros(cpu, 3, 2, 5, 5), null, 1, 1));
        Assert.Contains("[1, 2, 2, 2]", e.Message);
        Assert.Contains("larger than the padded input", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2dOp.Conv2d(Tensor.Zeros(cpu, 1, 3, 8, 8), Tensor.Zeros(cpu, 4, 2, 3, 3), null, 1, 1));
        Assert.Contains("[1, 3, 8, 8]", e.Message);
        Assert.Contains("[4, 2, 3, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2dOp.Conv2d(Tensor.Zeros(cpu, 1, 2, 4, 4), Tensor.Zeros(cpu, 4, 2, 3, 3), Tensor.Zeros(cpu, 3), 1, 1));
        Assert.Contains("[4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2dOp.FusedDownsample(Tensor.Zeros(cpu, 1, 2, 5, 4), Tensor.Zeros(cpu, 4, 2, 3, 3)));
        Assert.Contains("[1, 2, 5, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2dOp.ConvTranspose2d(Tensor.Zeros(cpu, 1, 3, 4, 4), Tensor.Zeros(cpu, 2, 3, 4, 4), null, 2, 1));
        Assert.Contains("[1, 3, 4, 4]", e.Message);
        Assert.Contains("[2, 3, 4, 4]", e.Message);
        var g = Conv2dGeometry.Create(1, 2, 4, 4, 3, 3, 3, 1, 1);
        e = Assert.Throws<ArgumentException>(() => Conv2dOp.InputGradient(Tensor.Zeros(cpu, 1, 3, 4, 5), Tensor.Zeros(cpu, 3, 2, 3, 3), g));
        Assert.Contains("[1, 3, 4, 5]", e.Message);
        Assert.Contains("[1, 3, 4, 4]", e.Message);
    }

    private static void Close(float[] expected, Tensor actual, int terms, string what) =>
        TestData.AssertClose(expected.Select(v => (double)v).ToArray(), actual.ToArray(), AtolPerTerm * terms, Rtol, what);
}
