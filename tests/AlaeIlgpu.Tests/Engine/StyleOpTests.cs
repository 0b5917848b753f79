using AlaeIlgpu.Backends;
using AlaeIlgpu.Ops;

namespace AlaeIlgpu.Tests.Engine;

/// <summary>The style ops against direct double-precision loops (gradients are in GradCases / SecondOrderTests).</summary>
public class StyleOpTests
{
    // The ops are a handful of float32 elementwise steps and short reductions: a few ulps of their magnitude.
    private const double Atol = 1e-5;
    private const double Rtol = 1e-5;

    [Fact]
    public void PixelNormMatchesReference()
    {
        using var scope = new TensorScope();
        var x = TestData.NormalTensor(CpuBackend.Instance, 1, [3, 5, 2, 2]);
        float[] d = x.ToArray();
        var expected = new double[d.Length];
        for (int n = 0; n < 3; n++)
            for (int p = 0; p < 4; p++)
            {
                double ms = 0;
                for (int c = 0; c < 5; c++) ms += (double)d[(n * 5 + c) * 4 + p] * d[(n * 5 + c) * 4 + p];
                double inv = 1 / Math.Sqrt(ms / 5 + 1e-8);
                for (int c = 0; c < 5; c++) expected[(n * 5 + c) * 4 + p] = d[(n * 5 + c) * 4 + p] * inv;
            }
        TestData.AssertClose(expected, StyleOp.PixelNorm(x).ToArray(), Atol, Rtol, "pixel norm");
    }

    [Fact]
    public void StyleModulateAndNoiseMatchReference()
    {
        using var scope = new TensorScope();
        var b = CpuBackend.Instance;
        var x = TestData.NormalTensor(b, 1, [2, 3, 2, 2]);
        var style = TestData.NormalTensor(b, 2, [2, 6]);
        var noise = TestData.NormalTensor(b, 3, [2, 1, 2, 2]);
        var weight = TestData.NormalTensor(b, 4, [3]);
        float[] xd = x.ToArray(), sd = style.ToArray(), nd = noise.ToArray(), wd = weight.ToArray();
        var expected = new double[xd.Length];
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 3; c++)
                for (int p = 0; p < 4; p++)
                {
                    int i = (n * 3 + c) * 4 + p;
                    double noisy = xd[i] + (double)nd[n * 4 + p] * wd[c];
                    expected[i] = noisy * (1 + sd[n * 6 + c]) + sd[n * 6 + 3 + c];
                }
        var actual = StyleOp.StyleModulate(StyleOp.AddNoise(x, noise, weight), style);
        TestData.AssertClose(expected, actual.ToArray(), Atol, Rtol, "noise + AdaIN");
    }

    [Fact]
    public void MinibatchStddevMatchesReference()
    {
        using var scope = new TensorScope();
        const int N = 4, C = 2, H = 2, W = 3, G = 2, M = N / G, Chw = C * H * W;
        var x = TestData.NormalTensor(CpuBackend.Instance, 5, [N, C, H, W]);
        float[] d = x.ToArray();
        var stat = new double[M];
        for (int m = 0; m < M; m++)
        {
            for (int f = 0; f < Chw; f++)
            {
                double mean = 0, var = 0;
                for (int g = 0; g < G; g++) mean += d[(g * M + m) * Chw + f] / (double)G;
                for (int g = 0; g < G; g++) var += Math.Pow(d[(g * M + m) * Chw + f] - mean, 2) / G;
                stat[m] += Math.Sqrt(var + 1e-8) / Chw;
            }
        }
        var expected = new double[N * (C + 1) * H * W];
        for (int n = 0; n < N; n++)
            for (int c = 0; c <= C; c++)
                for (int p = 0; p < H * W; p++)
                    expected[(n * (C + 1) + c) * H * W + p] = c < C ? d[(n * C + c) * H * W + p] : stat[n % M];
        TestData.AssertClose(expected, StyleOp.MinibatchStddev(x, G).ToArray(), Atol, Rtol, "minibatch stddev");
    }

    [Fact]
    public void BadShapesNameTheShapes()
    {
        using var scope = new TensorScope();
        var b = CpuBackend.Instance;
        var x = Tensor.Zeros(b, 2, 3, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => StyleOp.StyleModulate(x, Tensor.Zeros(b, 2, 5)));
        Assert.Contains("[2, 6]", e.Message);
        e = Assert.Throws<ArgumentException>(() => StyleOp.AddNoise(x, Tensor.Zeros(b, 2, 3, 4, 4), Tensor.Zeros(b, 3)));
        Assert.Contains("[2, 1, 4, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => StyleOp.MinibatchStddev(Tensor.Zeros(b, 6, 3, 4, 4), 4));
    }
}
