using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Running;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace AlaeIlgpu.Benchmarks.Infrastructure;

/// <summary>
/// Lets a benchmark class hold CUDA benchmarks that run only where a CUDA device exists: mark them with
/// <c>[BenchmarkCategory(CudaBenchmarks.Category)]</c> and add <see cref="Filter"/> to the class's config; on a
/// machine without CUDA they are left out of the run (and of the table) instead of reporting fake numbers.
/// </summary>
public static class CudaBenchmarks
{
    /// <summary>Benchmark category of the benchmarks that need a CUDA device.</summary>
    public const string Category = "cuda";

    private static readonly Lazy<bool> Available = new(DetectDevice);

    /// <summary>True when ILGPU finds at least one CUDA device (the driver is loaded once, on first use).</summary>
    public static bool IsAvailable => Available.Value;

    /// <summary>Drops the cases of category <see cref="Category"/> when no CUDA device exists.</summary>
    public static IFilter Filter { get; } = new SimpleFilter(KeepCase);

    /// <summary>Creates a context with algorithms enabled and an accelerator on the first CUDA device.</summary>
    public static (Context Context, Accelerator Accelerator) CreateAccelerator()
    {
        var context = Context.Create(builder => builder.Cuda().EnableAlgorithms());
        return (context, context.CreateCudaAccelerator(0));
    }

    private static bool KeepCase(BenchmarkCase benchmarkCase) =>
        IsAvailable || !benchmarkCase.Descriptor.HasCategory(Category);

    private static bool DetectDevice()
    {
        using var context = Context.Create(builder => builder.Cuda());
        return context.GetCudaDevices().Count > 0;
    }
}
