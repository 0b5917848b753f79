namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// Splits a loop into contiguous chunks over the machine's cores (on <see cref="CpuWorkers"/>), or runs it inline
/// when it is small.
/// </summary>
/// <remarks>
/// A loop that is worth threading is cut into up to <see cref="TasksPerThread"/> chunks per thread, handed out one at a
/// time, rather than one chunk per thread: on a shared machine a thread that wakes late or is descheduled then leaves
/// its chunks to the others instead of making them wait for it. With one chunk per thread, a StyleALAE iteration's
/// second thread sat idle for a third of the iteration on the loaded 2-core build machine.
/// </remarks>
public static class CpuParallel
{
    /// <summary>Below this much work (elements or flops, as the caller counts) threading costs more than it saves.</summary>
    public const long MinWorkPerThread = 32_768;

    /// <summary>Most chunks per thread; each still holds at least a share of <see cref="MinWorkPerThread"/>.</summary>
    private const int TasksPerThread = 4;

    /// <summary>Runs <paramref name="body"/>(start, end) over [0, count) in chunks; inline when work is small.</summary>
    /// <param name="count">Number of loop items.</param>
    /// <param name="workPerItem">Rough cost of one item, to decide whether threading pays off.</param>
    /// <param name="body">Called with half-open item ranges.</param>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        long work = count * workPerItem;
        int threads = (int)Math.Clamp(work / MinWorkPerThread, 1, Math.Min(count, CpuWorkers.Threads));
        if (threads <= 1)
        {
            body(0, count);
            return;
        }
        int tasks = (int)Math.Clamp(work * TasksPerThread / MinWorkPerThread, threads, Math.Min(count, threads * TasksPerThread));
        CpuWorkers.Run(tasks, t =>
        {
            int start = (int)((long)count * t / tasks);
            int end = (int)((long)count * (t + 1) / tasks);
            body(start, end);
        });
    }
}
