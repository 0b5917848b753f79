using AlaeIlgpu.Benchmarks.Infrastructure;
using AlaeIlgpu.Kernels.Cpu;
using AlaeIlgpu.Kernels.Gpu;
using AlaeIlgpu.Tests.Reference;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using ILGPU;
using ILGPU.Runtime;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// GEMM on the <c>cpu</c> backend (<see cref="CpuGemm"/>) against a single-threaded scalar triple loop, and the ILGPU
/// kernels on CUDA where a CUDA device exists, at square sizes and at the MLP ALAE's layer shapes (batch 128,
/// 784 in, 1024 out: forward, weight gradient, input gradient).
/// </summary>
[Config(typeof(Config))]
public class Perf_Gemm
{
    private float[] _a = [], _b = [], _c = [];
    private Context? _context;
    private Accelerator? _accelerator;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceA, _deviceB, _deviceC;
    private GemmLauncher? _launcher;
    private NaiveGpuLauncher? _naive;

    /// <summary>The problem size and transposes.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = null!;

    /// <summary>The shapes measured.</summary>
    public static IEnumerable<GemmShape> Shapes =>
    [
        new(512, 512, 512, false, false),
        new(1024, 1024, 1024, false, false),
        new(128, 1024, 784, false, false),   // MLP forward: X [128, 784] W [784, 1024]
        new(784, 1024, 128, true, false),    // weight gradient: X^T dY
        new(128, 784, 1024, false, true),    // input gradient: dY W^T
    ];

    /// <summary>Fills A and B with seeded random values.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _a = RandomValues(random, Shape.M * Shape.K);
        _b = RandomValues(random, Shape.K * Shape.N);
        _c = new float[Shape.M * Shape.N];
    }

    /// <summary>Host setup plus the CUDA accelerator, buffers and launcher.</summary>
    [GlobalSetup(Targets = [nameof(CudaNaive), nameof(CudaTiled)])]
    public void SetupCuda()
    {
        Setup();
        (_context, _accelerator) = CudaBenchmarks.CreateAccelerator();
        _deviceA = _accelerator.Allocate1D(_a);
        _deviceB = _accelerator.Allocate1D(_b);
        _deviceC = _accelerator.Allocate1D<float>(_c.Length);
        _launcher = new GemmLauncher(_accelerator);
        _naive = new NaiveGpuLauncher(_accelerator);
    }

    /// <summary>Frees the CUDA resources.</summary>
    [GlobalCleanup(Targets = [nameof(CudaNaive), nameof(CudaTiled)])]
    public void CleanupCuda()
    {
        _deviceA?.Dispose();
        _deviceB?.Dispose();
        _deviceC?.Dispose();
        _accelerator?.Dispose();
        _context?.Dispose();
    }

    /// <summary>Single-threaded scalar triple loop (i-k-j, or dot products when B is transposed).</summary>
    [Benchmark(Baseline = true)]
    public void NaiveScalar() => NaiveGemm(_a, _b, _c, Shape);

    /// <summary>The <c>cpu</c> backend's packed, register-blocked, multi-threaded GEMM.</summary>
    [Benchmark]
    public void Cpu() =>
        CpuGemm.Multiply(_a, _b, _c, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, accumulate: false);

    /// <summary>The naive ILGPU kernel on CUDA.</summary>
    [Benchmark]
    [BenchmarkCategory(CudaBenchmarks.Category)]
    public void CudaNaive()
    {
        _naive!.Multiply(_deviceA!.View, _deviceB!.View, _deviceC!.View, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, accumulate: false);
        _accelerator!.Synchronize();
    }

    /// <summary>The tiled ILGPU kernel on CUDA.</summary>
    [Benchmark]
    [BenchmarkCategory(CudaBenchmarks.Category)]
    public void CudaTiled()
    {
        _launcher!.Multiply(_deviceA!.View, _deviceB!.View, _deviceC!.View, Shape.M, Shape.N, Shape.K, Shape.TransA, Shape.TransB, accumulate: false);
        _accelerator!.Synchronize();
    }

    private static void NaiveGemm(float[] a, float[] b, float[] c, GemmShape s)
    {
        if (s.TransB)
        {
            for (int i = 0; i < s.M; i++)
            {
                for (int j = 0; j < s.N; j++)
                {
                    float sum = 0f;
                    for (int p = 0; p < s.K; p++)
                    {
                        sum += (s.TransA ? a[p * s.M + i] : a[i * s.K + p]) * b[j * s.K + p];
                    }
                    c[i * s.N + j] = sum;
                }
            }
            return;
        }
        Array.Clear(c);
        for (int i = 0; i < s.M; i++)
        {
            for (int p = 0; p < s.K; p++)
            {
                float aip = s.TransA ? a[p * s.M + i] : a[i * s.K + p];
                for (int j = 0; j < s.N; j++)
                {
                    c[i * s.N + j] += aip * b[p * s.N + j];
                }
            }
        }
    }

    private static float[] RandomValues(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = random.NextSingle() * 2f - 1f;
        }
        return values;
    }

    /// <summary>Short runs (the naive baseline takes about half a second per call at 1024^3), GFLOP/s column, CUDA filter.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.Default.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1)));
            AddColumn(ThroughputColumn.GigaFlops(c => ThroughputColumn.Parameter<GemmShape>(c, nameof(Shape)).Flops));
            AddFilter(CudaBenchmarks.Filter);
        }
    }
}

/// <summary>One GEMM problem: <c>C[m, n] = op(A)[m, k] op(B)[k, n]</c>.</summary>
/// <param name="M">Rows of C.</param>
/// <param name="N">Columns of C.</param>
/// <param name="K">Inner dimension.</param>
/// <param name="TransA">A is stored <c>[k, m]</c>.</param>
/// <param name="TransB">B is stored <c>[n, k]</c>.</param>
public sealed record GemmShape(int M, int N, int K, bool TransA, bool TransB)
{
    /// <summary>Floating-point operations: one multiply and one add per term.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <inheritdoc />
    public override string ToString() => $"{M}x{N}x{K}{(TransA ? " A^T" : "")}{(TransB ? " B^T" : "")}";
}
