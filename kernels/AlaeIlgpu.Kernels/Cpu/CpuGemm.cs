namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>Interim scalar GEMM until the packed SIMD kernel lands (replaced by branch gemm).</summary>
public static class CpuGemm
{
    /// <summary>C (+)= op(A) op(B), row-major.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c,
                                int m, int n, int k, bool transA, bool transB, bool accumulate)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = accumulate ? c[i * n + j] : 0f;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
    }
}
