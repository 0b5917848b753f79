using System.Numerics;
using ILGPU;

namespace AlaeIlgpu.Kernels;

/// <summary>
/// e^x rounded as PyTorch's CPU kernels round it (their vectorised exp, SLEEF's <c>expf_u10</c> with FMA, within 1 ulp):
/// x = q ln 2 + s with q = rint(x log2 e), a degree-6 polynomial in s by FMA, scaled by 2^q in two steps. An official
/// checkpoint's outputs carry these roundings, and G's first block magnifies one ulp of its noise stand-in about a
/// thousandfold, so a correctly rounded exp would leave our images ~1e-4 from the official ones. The scalar form runs in
/// ILGPU kernels and gives the same bits as the SIMD form.
/// </summary>
public static class TorchExp
{
    private const float Log2E = 1.442695040888963407359924681001892137426645954152985934135449406931f;
    private const float Ln2High = 0.693145751953125f;        // ln 2 split so that q * Ln2High is exact
    private const float Ln2Low = 1.428606765330187045e-06f;
    private const float C6 = 0.000198527617612853646278381f, C5 = 0.00139304355252534151077271f;
    private const float C4 = 0.00833336077630519866943359f, C3 = 0.0416664853692054748535156f;
    private const float C2 = 0.166666671633720397949219f, C1 = 0.5f;
    private const float Underflow = -104f, Overflow = 100f;  // below: 0; above: infinity

    /// <summary>e^x for one float.</summary>
    public static float Exp(float x)
    {
        int q = (int)MathF.Round(x * Log2E);
        float s = MathF.FusedMultiplyAdd(q, -Ln2High, x);
        s = MathF.FusedMultiplyAdd(q, -Ln2Low, s);
        float u = MathF.FusedMultiplyAdd(C6, s, C5);
        u = MathF.FusedMultiplyAdd(u, s, C4);
        u = MathF.FusedMultiplyAdd(u, s, C3);
        u = MathF.FusedMultiplyAdd(u, s, C2);
        u = MathF.FusedMultiplyAdd(u, s, C1);
        u = 1f + MathF.FusedMultiplyAdd(s * s, u, s);
        int half = q >> 1;
        u = u * Pow2(half) * Pow2(q - half);
        return x < Underflow ? 0f : x > Overflow ? float.PositiveInfinity : u;
    }

    /// <summary>e^x for each lane, the same bits as <see cref="Exp(float)"/>.</summary>
    public static Vector<float> Exp(Vector<float> x)
    {
        var qf = Vector.Round(x * new Vector<float>(Log2E));
        var s = Vector.FusedMultiplyAdd(qf, new Vector<float>(-Ln2High), x);
        s = Vector.FusedMultiplyAdd(qf, new Vector<float>(-Ln2Low), s);
        var u = Vector.FusedMultiplyAdd(new Vector<float>(C6), s, new Vector<float>(C5));
        u = Vector.FusedMultiplyAdd(u, s, new Vector<float>(C4));
        u = Vector.FusedMultiplyAdd(u, s, new Vector<float>(C3));
        u = Vector.FusedMultiplyAdd(u, s, new Vector<float>(C2));
        u = Vector.FusedMultiplyAdd(u, s, new Vector<float>(C1));
        u = Vector<float>.One + Vector.FusedMultiplyAdd(s * s, u, s);
        var q = Vector.ConvertToInt32(qf);
        var half = Vector.ShiftRightArithmetic(q, 1);
        u = u * Pow2(half) * Pow2(q - half);
        u = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(Underflow)), Vector<float>.Zero, u);
        return Vector.ConditionalSelect(Vector.GreaterThan(x, new Vector<float>(Overflow)), new Vector<float>(float.PositiveInfinity), u);
    }

    // 2^e for -126 <= e <= 127, from the exponent bits
    private static float Pow2(int e) => Interop.IntAsFloat((uint)(e + 127) << 23);

    private static Vector<float> Pow2(Vector<int> e) => Vector.As<int, float>(Vector.ShiftLeft(e + new Vector<int>(127), 23));
}
