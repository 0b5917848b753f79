using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace AlaeIlgpu.Kernels.Cpu;

/// <summary>
/// The <c>cpu</c> backend's own team of threads for parallel loops: the calling thread plus
/// <c>ProcessorCount - 1</c> background workers that live as long as the process. Between loops a worker spins for a
/// short while (a training step starts the next loop within microseconds) and then sleeps.
/// </summary>
/// <remarks>
/// One MLP ALAE iteration runs about 300 parallel loops of 50 µs to 2 ms. On the .NET thread pool each loop had to
/// wake pool threads, and the pool grew to four workers on two cores, which then competed with the calling thread for
/// the cores: iterations came out with a long tail (a 2-core run on the GPU machine: median 81 ms, worst 149 ms).
/// A fixed team of exactly one thread per core removes both. A loop started from inside another loop, or while
/// another thread's loop holds the team, runs inline on its own thread, so the team never deadlocks or oversubscribes.
/// </remarks>
public static class CpuWorkers
{
    /// <summary>How long an idle worker spins for the next loop before it sleeps.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000;   // 200 µs

    private static readonly object Gate = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static readonly Lazy<int> TeamSize = new(StartTeam);
    private static Job? s_job;
    private static int s_sleeping;

    [ThreadStatic]
    private static bool t_inLoop;

    /// <summary>Threads that run a loop's tasks: the caller and the workers (the machine's processor count).</summary>
    public static int Threads => Environment.ProcessorCount;

    /// <summary>
    /// Runs <paramref name="body"/>(i) for every i in [0, <paramref name="tasks"/>) and returns when all have finished.
    /// Tasks are handed out one at a time, so they may differ in size. The first exception a task throws is rethrown
    /// here after the others finish.
    /// </summary>
    public static void Run(int tasks, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (tasks <= 1 || Threads == 1 || t_inLoop || !Monitor.TryEnter(Gate))
        {
            RunInline(tasks, body);
            return;
        }
        try
        {
            _ = TeamSize.Value;
            var job = new Job(tasks, body);
            Volatile.Write(ref s_job, job);
            int sleeping = Interlocked.Exchange(ref s_sleeping, 0);
            if (sleeping > 0) Wake.Release(sleeping);
            t_inLoop = true;
            job.Work();
            job.WaitUntilDone();
            Volatile.Write(ref s_job, null);
            job.Error?.Throw();
        }
        finally
        {
            t_inLoop = false;
            Monitor.Exit(Gate);
        }
    }

    // Same contract as the team: every task runs, and the first exception is rethrown at the end.
    private static void RunInline(int tasks, Action<int> body)
    {
        bool outer = t_inLoop;
        t_inLoop = true;
        ExceptionDispatchInfo? error = null;
        try
        {
            for (int i = 0; i < tasks; i++)
            {
                try
                {
                    body(i);
                }
                catch (Exception e)
                {
                    error ??= ExceptionDispatchInfo.Capture(e);
                }
            }
        }
        finally
        {
            t_inLoop = outer;
        }
        error?.Throw();
    }

    private static int StartTeam()
    {
        for (int w = 1; w < Threads; w++)
        {
            new Thread(WorkerLoop) { IsBackground = true, Name = $"alae cpu worker {w}" }.Start();
        }
        return Threads - 1;
    }

    private static void WorkerLoop()
    {
        t_inLoop = true;
        Job? last = null;
        while (true)
        {
            var job = WaitForJob(last);
            last = job;
            job.Work();
        }
    }

    // Spins until a job other than `last` is published; after SpinTicks it sleeps on the semaphore instead. A worker
    // counts itself as sleeping before the final check, so a job published in between is never missed (at worst a
    // permit is left over and a later wait returns at once, which the loop absorbs).
    private static Job WaitForJob(Job? last)
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (true)
        {
            var job = Volatile.Read(ref s_job);
            if (job is not null && job != last) return job;
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(20);
                continue;
            }
            Interlocked.Increment(ref s_sleeping);
            job = Volatile.Read(ref s_job);
            if (job is not null && job != last) return job;
            Wake.Wait();
            deadline = Stopwatch.GetTimestamp() + SpinTicks;
        }
    }

    /// <summary>One loop: tasks are claimed by an atomic counter, and the caller waits for the count of finished ones.</summary>
    private sealed class Job(int tasks, Action<int> body)
    {
        private int _next = -1;
        private int _done;

        public ExceptionDispatchInfo? Error;

        public void Work()
        {
            int i;
            while ((i = Interlocked.Increment(ref _next)) < tasks)
            {
                try
                {
                    body(i);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Error, ExceptionDispatchInfo.Capture(e), null);
                }
                Interlocked.Increment(ref _done);
            }
        }

        public void WaitUntilDone()
        {
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) < tasks) spin.SpinOnce(sleep1Threshold: -1);
        }
    }
}
