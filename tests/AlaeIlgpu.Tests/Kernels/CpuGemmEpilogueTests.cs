using System.Numerics;
using System.Runtime.Intrinsics;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// <see cref="CpuGemm"/> with a fused bias and leaky ReLU (<see cref="CpuEpilogue.Fused"/>) against the plain product
/// followed by the separate add and activation: the same operators on the same sums, so the results must agree bit
/// for bit, at both lane widths, on tiles cut at every edge, over several depth blocks, and on the parallel path.
/// </summary>
public class CpuGemmEpilogueTests
{
    /// <summary>m, n, k, transA, transB: odd edges in one depth block, three depth blocks, and a parallel problem.</summary>
    public static TheoryData<int, int, int, bool, bool> Shapes() => new()
    {
        { 5, 3, 2, false, false },
        { 17, 29, 13, true, false },
        { 37, 53, 700, false, true },
        { 128, 256, 300, false, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedMatchesSeparatePassesBitForBit(int m, int n, int k, bool transA, bool transB)
    {
        int seed = m * 1000 + n;
        float[] a = TestData.Uniform(seed, m * k, -1, 1), b = TestData.Uniform(seed + 1, k * n, -1, 1);
        float[] columnBias = TestData.Uniform(seed + 2, n, -1, 1), rowBias = TestData.Uniform(seed + 3, m, -1, 1);
        foreach (var (axis, bias, slope) in new[] { (BiasAxis.Columns, columnBias, 0.2f), (BiasAxis.Rows, rowBias, 0.01f), (BiasAxis.None, columnBias, 0.2f), (BiasAxis.Columns, columnBias, 1f) })
        {
            float[] expected = Separate(a, b, m, n, k, transA, transB, axis, bias, slope);
            float[] wide = new float[m * n], narrow = new float[m * n];
            CpuGemm.Multiply<Lanes512, Vector512<float>>(a, b, wide, m, n, k, transA, transB, CpuEpilogue.Fused(bias, axis, slope));
            CpuGemm.Multiply<LanesVectorT, Vector<float>>(a, b, narrow, m, n, k, transA, transB, CpuEpilogue.Fused(bias, axis, slope));
            Assert.True(expected.AsSpan().SequenceEqual(wide), $"{axis} bias, slope {slope}, 512-bit lanes: differs from the separate passes");
            Assert.True(expected.AsSpan().SequenceEqual(narrow), $"{axis} bias, slope {slope}, Vector<T> lanes: differs from the separate passes");
        }
    }

    [Fact]
    public void EmptyReductionStoresTheActivatedBias()
    {
        float[] c = new float[6];
        CpuGemm.Multiply([], [], c, 2, 3, 0, false, false, CpuEpilogue.Fused([1f, -2f, 3f], BiasAxis.Columns, 0.5f));
        Assert.Equal([1f, -1f, 3f, 1f, -1f, 3f], c);
    }

    [Fact]
    public void AddingToCWithABiasIsRefused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new CpuEpilogue([1f], BiasAxis.Columns, 1f, accumulate: true));
        Assert.Contains("adds to C", ex.Message);
    }

    [Fact]
    public void ShortBiasNamesItsAxisAndLength()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            CpuGemm.Multiply(new float[6], new float[12], new float[8], 2, 4, 3, false, false, CpuEpilogue.Fused([1f, 2f], BiasAxis.Columns, 1f)));
        Assert.Contains("columns of C", ex.Message);
        Assert.Contains("needs 4 elements but has 2", ex.Message);
    }


    // The plain product, then the add and the leaky ReLU elementwise, as the unfused ops compute them.
    private static float[] Separate(float[] a, float[] b, int m, int n, int k, bool transA, bool transB, BiasAxis axis, float[] bias, float slope)
    {
        float[] c = new float[m * n];
        CpuGemm.Multiply(a, b, c, m, n, k, transA, transB, accumulate: false);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            float value = c[i * n + j];
            if (axis != BiasAxis.None) value = AddOperator.Apply(value, axis == BiasAxis.Rows ? bias[i] : bias[j]);
            c[i * n + j] = LeakyReluOperator.Apply(value, slope);
        }
        return c;
    }
}
