namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>The <c>cpu</c> backend's random fills: the same Philox streams as the ILGPU kernels.</summary>
public static unsafe class CpuRandom
{
    /// <summary>y[i] = N(0, 1) sample i of the stream (seed, offset).</summary>
    public static void Normal(Span<float> y, ulong seed, ulong offset) => Fill(y, seed, offset, normal: true);

    /// <summary>y[i] = U(0, 1] sample i of the stream (seed, offset).</summary>
    public static void Uniform(Span<float> y, ulong seed, ulong offset) => Fill(y, seed, offset, normal: false);

    private static void Fill(Span<float> y, ulong seed, ulong offset, bool normal)
    {
        uint sLo = (uint)seed, sHi = (uint)(seed >> 32), oLo = (uint)offset, oHi = (uint)(offset >> 32);
        fixed (float* py = y)
        {
            float* sy = py;
            CpuParallel.For(y.Length, 64, (s, e) =>
            {
                for (int i = s; i < e; i++)
                    sy[i] = normal ? Philox.Normal(sLo, sHi, oLo, oHi, (uint)i) : Philox.Uniform(sLo, sHi, oLo, oHi, (uint)i);
            });
        }
    }
}
