namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Splits a loop into contiguous chunks over the machine's cores (on <see cref="CpuWorkers"/>), or runs it inline
/// when it is small.
/// </summary>
public static class CpuParallel
{
    /// <summary>Below this much work (elements or flops, as the caller counts) threading costs more than it saves.</summary>
    public const long MinWorkPerThread = 32_768;

    /// <summary>Runs <paramref name="body"/>(start, end) over [0, count) in chunks; inline when work is small.</summary>
    /// <param name="count">Number of loop items.</param>
    /// <param name="workPerItem">Rough cost of one item, to decide whether threading pays off.</param>
    /// <param name="body">Called with half-open item ranges.</param>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        int threads = (int)Math.Clamp(count * workPerItem / MinWorkPerThread, 1, Math.Min(count, CpuWorkers.Threads));
        if (threads <= 1)
        {
            body(0, count);
            return;
        }
        CpuWorkers.Run(threads, t =>
        {
            int start = (int)((long)count * t / threads);
            int end = (int)((long)count * (t + 1) / threads);
            body(start, end);
        });
    }
}
