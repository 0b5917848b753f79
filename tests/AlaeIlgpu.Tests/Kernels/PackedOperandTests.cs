using System.Numerics;
using System.Runtime.Intrinsics;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Tests.Engine;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// <see cref="CpuGemm"/> with op(B) packed beforehand (<see cref="PackedOperand"/>) against the same GEMM packing op(B)
/// per tile: the panels are the same, so C must be the same bit for bit, at both lane widths, with and without a fused
/// epilogue, on edges, several depth blocks and the parallel path.
/// </summary>
public class PackedOperandTests
{
    /// <summary>m, n, k, transA, transB.</summary>
    public static TheoryData<int, int, int, bool, bool> Shapes() => new()
    {
        { 5, 3, 2, false, true },
        { 17, 29, 13, true, false },
        { 37, 53, 700, false, true },
        { 128, 1024, 784, false, true },   // the MLP's first layer, forward
        { 128, 784, 1024, false, false },  // and its input gradient
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void PackedRightOperandGivesTheSameProductBitForBit(int m, int n, int k, bool transA, bool transB)
    {
        int seed = m + 7 * n + 13 * k;
        float[] a = TestData.Uniform(seed, m * k, -1, 1), b = TestData.Uniform(seed + 1, k * n, -1, 1), bias = TestData.Uniform(seed + 2, n, -1, 1);
        float[] plain = new float[m * n], fromPacked = new float[m * n], wide = new float[m * n], wideFromPacked = new float[m * n];

        CpuGemm.Multiply<LanesVectorT, Vector<float>>(a, b, plain, m, n, k, transA, transB, CpuEpilogue.Fused(bias, BiasAxis.Columns, 0.2f));
        CpuGemm.Multiply(a, PackedOperand.Right<LanesVectorT, Vector<float>>(b, n, k, transB), fromPacked, m, transA, CpuEpilogue.Fused(bias, BiasAxis.Columns, 0.2f));
        CpuGemm.Multiply<Lanes512, Vector512<float>>(a, b, wide, m, n, k, transA, transB, CpuEpilogue.Plain(false));
        CpuGemm.Multiply(a, PackedOperand.Right<Lanes512, Vector512<float>>(b, n, k, transB), wideFromPacked, m, transA, CpuEpilogue.Plain(false));

        Assert.True(plain.AsSpan().SequenceEqual(fromPacked), "Vector<T> lanes, fused epilogue: packed op(B) changed the product");
        Assert.True(wide.AsSpan().SequenceEqual(wideFromPacked), "512-bit lanes: packed op(B) changed the product");
    }

    [Fact]
    public void OnePackServesManyLeftOperands()
    {
        float[] w = TestData.Uniform(3, 33 * 40, -1, 1);   // [out 33, in 40], as a dense layer stores it
        var packed = PackedOperand.Right(w, 33, 40, transB: true);
        foreach (int batch in new[] { 1, 8, 130 })
        {
            float[] x = TestData.Uniform(batch, batch * 40, -1, 1), expected = new float[batch * 33], actual = new float[batch * 33];
            CpuGemm.Multiply(x, w, expected, batch, 33, 40, false, true, accumulate: false);
            CpuGemm.Multiply(x, packed, actual, batch, false, CpuEpilogue.Plain(false));
            Assert.Equal(expected, actual);
        }
        Assert.True(packed.Bytes >= 33 * 40 * sizeof(float));
    }

    [Fact]
    public void RepackingNewContentsGivesWhatAFreshPackGives()
    {
        float[] before = TestData.Uniform(11, 64 * 300, -1, 1), after = TestData.Uniform(12, 64 * 300, -1, 1), x = TestData.Uniform(13, 9 * 300, -1, 1);
        var packed = PackedOperand.Right(before, 64, 300, transB: true);
        float[] expected = new float[9 * 64], actual = new float[9 * 64];

        packed.Repack(after, transB: true);
        CpuGemm.Multiply(x, PackedOperand.Right(after, 64, 300, transB: true), expected, 9, false, CpuEpilogue.Plain(false));
        CpuGemm.Multiply(x, packed, actual, 9, false, CpuEpilogue.Plain(false));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ShortOperandNamesItsLength()
    {
        var ex = Assert.Throws<ArgumentException>(() => PackedOperand.Right(new float[10], 4, 3, transB: false));
        Assert.Contains("B needs 12 elements but has 10", ex.Message);
    }
}
