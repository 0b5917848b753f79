using AlaeIlgpu.Kernels.Cpu;

namespace AlaeIlgpu.Tests.Kernels;

public class CpuWorkersTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(37)]
    [InlineData(1000)]
    public void EveryTaskRunsExactlyOnce(int tasks)
    {
        int[] runs = new int[tasks];
        CpuWorkers.Run(tasks, i => Interlocked.Increment(ref runs[i]));
        Assert.All(runs, count => Assert.Equal(1, count));
    }

    [Fact]
    public void ManyLoopsInARowEachFinishBeforeRunReturns()
    {
        // 2,000 back-to-back loops, as a training run issues them: a task finishing after Run returned would leave a
        // partial sum behind.
        long[] sums = new long[8];
        for (int loop = 0; loop < 2000; loop++)
        {
            Array.Clear(sums);
            CpuWorkers.Run(sums.Length, i => { for (int k = 0; k <= i * 100; k++) sums[i] += k; });
            for (int i = 0; i < sums.Length; i++) Assert.Equal((long)(i * 100) * (i * 100 + 1) / 2, sums[i]);
        }
    }

    [Fact]
    public void ALoopInsideALoopRunsInline()
    {
        int[,] hits = new int[4, 5];
        CpuWorkers.Run(4, i => CpuWorkers.Run(5, j => Interlocked.Increment(ref hits[i, j])));
        foreach (int count in hits) Assert.Equal(1, count);
    }

    [Fact]
    public void LoopsFromSeveralThreadsAtOnceAllComplete()
    {
        long[] totals = new long[6];
        Parallel.For(0, totals.Length, caller =>
        {
            for (int loop = 0; loop < 200; loop++)
            {
                CpuWorkers.Run(16, i => Interlocked.Add(ref totals[caller], i));
            }
        });
        Assert.All(totals, total => Assert.Equal(200L * (15 * 16 / 2), total));
    }

    [Fact]
    public void ATaskExceptionReachesTheCallerAfterTheOtherTasksFinish()
    {
        int finished = 0;
        var error = Assert.Throws<InvalidOperationException>(() => CpuWorkers.Run(50, i =>
        {
            if (i == 7) throw new InvalidOperationException("task 7 failed");
            Interlocked.Increment(ref finished);
        }));
        Assert.Equal("task 7 failed", error.Message);
        Assert.Equal(49, finished);
        int after = 0;
        CpuWorkers.Run(10, _ => Interlocked.Increment(ref after));   // the team still works
        Assert.Equal(10, after);
    }
}
