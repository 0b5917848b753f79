namespace AlaeIlgpu.Kernels;

/// <summary>
/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based
/// generator, so element i of a draw depends only on (seed, offset, i) and every backend yields the same numbers.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57;
    private const uint W0 = 0x9E3779B9, W1 = 0xBB67AE85;
    private const float TwoPi = 6.28318530717958647692f;
    private const float InvTwo32 = 2.3283064365386963e-10f;

    /// <summary>Returns the first two 32-bit words of Philox4x32-10 for counter (i, offsetLo, offsetHi, 0).</summary>
    public static (uint X0, uint X1) Words(uint seedLo, uint seedHi, uint offsetLo, uint offsetHi, uint index)
    {
        uint c0 = index, c1 = offsetLo, c2 = offsetHi, c3 = 0u;
        uint k0 = seedLo, k1 = seedHi;
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0;
            ulong p1 = (ulong)M1 * c2;
            uint n0 = (uint)(p1 >> 32) ^ c1 ^ k0;
            uint n1 = (uint)p1;
            uint n2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            uint n3 = (uint)p0;
            (c0, c1, c2, c3) = (n0, n1, n2, n3);
            k0 += W0;
            k1 += W1;
        }
        return (c0, c1);
    }

    /// <summary>A uniform float in (0, 1] from a 32-bit word (never 0, so its logarithm is finite).</summary>
    public static float ToUniform(uint word) => MathF.Min((word + 0.5f) * InvTwo32, 1f);

    /// <summary>Uniform (0, 1] sample number <paramref name="index"/> of the stream (seed, offset).</summary>
    public static float Uniform(uint seedLo, uint seedHi, uint offsetLo, uint offsetHi, uint index) =>
        ToUniform(Words(seedLo, seedHi, offsetLo, offsetHi, index).X0);

    /// <summary>Standard normal sample number <paramref name="index"/> of the stream (seed, offset), by Box-Muller.</summary>
    public static float Normal(uint seedLo, uint seedHi, uint offsetLo, uint offsetHi, uint index)
    {
        var (x0, x1) = Words(seedLo, seedHi, offsetLo, offsetHi, index);
        float u1 = ToUniform(x0);
        float u2 = ToUniform(x1);
        return MathF.Sqrt(-2f * MathF.Log(u1)) * MathF.Cos(TwoPi * u2);
    }
}
