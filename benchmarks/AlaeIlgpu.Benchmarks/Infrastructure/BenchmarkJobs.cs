using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AlaeIlgpu.Benchmarks.Infrastructure;

/// <summary>
/// Applies this machine's toolchain to a benchmark class's job. Where only the .NET runtime is installed (the GPU
/// machine, which gets the app packed by <c>pack-for-gpu.sh</c> and no SDK), BenchmarkDotNet cannot build its usual
/// child process; <c>ALAE_BENCH_IN_PROCESS=1</c> then runs every job in this process instead.
/// </summary>
public static class BenchmarkJobs
{
    /// <summary>Name of the environment variable that selects the in-process toolchain.</summary>
    public const string InProcessVariable = "ALAE_BENCH_IN_PROCESS";

    /// <summary>Returns <paramref name="job"/>, in-process when <see cref="InProcessVariable"/> is 1.</summary>
    public static Job ForThisMachine(Job job) =>
        Environment.GetEnvironmentVariable(InProcessVariable) == "1" ? job.WithToolchain(InProcessEmitToolchain.Instance) : job;
}
