using System.Numerics;
using AlaeIlgpu.Kernels;

namespace AlaeIlgpu.Tests.Kernels;

/// <summary>
/// <see cref="TorchExp"/> gives PyTorch's float32 exp bit for bit (values from <c>torch.exp</c> of PyTorch 1.13 on an
/// AVX2 CPU, chosen where it differs from the correctly rounded result), and its SIMD form the same bits as its scalar
/// form, which the ILGPU kernels run.
/// </summary>
public class TorchExpTests
{
    /// <summary>SLEEF's expf_u10, which PyTorch's vectorised exp is, stays within 1 ulp of the exact value.</summary>
    private const double UlpBound = 1.0;

    [Theory]
    [InlineData(0xBEEB8A89u, 0x3F219A18u)] // exp(-0.4600413) = 0.63125753; correctly rounded 0.6312576
    [InlineData(0x3FD47E1Du, 0x40A85086u)] // exp(1.6600987) = 5.2598295; correctly rounded 5.25983
    [InlineData(0xBFECD6B6u, 0x3E20F650u)] // exp(-1.8503025) = 0.15718961; correctly rounded 0.15718962
    [InlineData(0xBE2C9631u, 0x3F584B1Cu)] // exp(-0.16854168) = 0.8448961; correctly rounded 0.844896
    public void MatchesTorchBitForBit(uint xBits, uint expectedBits)
    {
        float x = BitConverter.UInt32BitsToSingle(xBits);
        Assert.Equal(expectedBits, BitConverter.SingleToUInt32Bits(TorchExp.Exp(x)));
        Assert.Equal(expectedBits, BitConverter.SingleToUInt32Bits(TorchExp.Exp(new Vector<float>(x))[0]));
    }

    [Fact]
    public void SimdAndScalarAgreeAndStayWithinOneUlp()
    {
        var random = new Random(7);
        var x = new float[4096];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 180 - 95);    // normal results, through the subnormal range
        }

        int width = Vector<float>.Count;
        for (int i = 0; i < x.Length; i += width)
        {
            var simd = TorchExp.Exp(new Vector<float>(x, i));
            for (int k = 0; k < width; k++)
            {
                float scalar = TorchExp.Exp(x[i + k]);
                Assert.Equal(BitConverter.SingleToUInt32Bits(scalar), BitConverter.SingleToUInt32Bits(simd[k]));
                double exact = Math.Exp(x[i + k]);
                double ulp = MathF.BitIncrement((float)exact) - (float)exact;
                Assert.True(Math.Abs(scalar - exact) <= UlpBound * ulp, $"exp({x[i + k]}) = {scalar}, exact {exact}");
            }
        }
    }

    [Theory]
    [InlineData(-200f, 0f)]
    [InlineData(float.NegativeInfinity, 0f)]
    [InlineData(101f, float.PositiveInfinity)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(0f, 1f)]
    public void LimitsAreZeroOneAndInfinity(float x, float expected)
    {
        Assert.Equal(expected, TorchExp.Exp(x));
        Assert.Equal(expected, TorchExp.Exp(new Vector<float>(x))[0]);
    }

    [Fact]
    public void NaNStaysNaN()
    {
        Assert.True(float.IsNaN(TorchExp.Exp(float.NaN)));
        Assert.True(float.IsNaN(TorchExp.Exp(new Vector<float>(float.NaN))[0]));
    }
}
