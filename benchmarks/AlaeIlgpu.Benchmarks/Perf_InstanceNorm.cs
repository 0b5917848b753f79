using AlaeIlgpu.Benchmarks.Infrastructure;
using AlaeIlgpu.Kernels.Cpu;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// cpu instance statistics and instance norm on x [128, 64, 32, 32] (8192 planes of 1024). GB/s counts each tensor
/// read or written once (a second pass over a plane comes from cache).
/// </summary>
[Config(typeof(InstanceNormConfig))]
public class Perf_InstanceNorm
{
    private const int Planes = 128 * 64, PlaneLength = 32 * 32;
    private const double TensorBytes = (double)Planes * PlaneLength * 4;
    private const float Epsilon = 1e-5f;

    private float[] _x = [], _y = [], _dy = [], _dx = [], _mean = [], _std = [];

    /// <summary>Allocates the tensors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = new float[Planes * PlaneLength];
        _dy = new float[Planes * PlaneLength];
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = (float)random.NextDouble();
            _dy[i] = (float)random.NextDouble() - 0.5f;
        }

        _y = new float[_x.Length];
        _dx = new float[_x.Length];
        _mean = new float[Planes];
        _std = new float[Planes];
    }

    /// <summary>Scalar two-pass normalisation per plane, parallel over planes: the baseline.</summary>
    [Benchmark(Baseline = true), Work(2 * TensorBytes)]
    public void NaiveForward()
    {
        float[] x = _x, y = _y;
        Parallel.For(0, Planes, p =>
        {
            int start = p * PlaneLength;
            float sum = 0, squares = 0;
            for (int i = 0; i < PlaneLength; i++)
            {
                sum += x[start + i];
            }

            float mean = sum / PlaneLength;
            for (int i = 0; i < PlaneLength; i++)
            {
                squares += (x[start + i] - mean) * (x[start + i] - mean);
            }

            float inverse = 1f / MathF.Sqrt(squares / PlaneLength + Epsilon);
            for (int i = 0; i < PlaneLength; i++)
            {
                y[start + i] = (x[start + i] - mean) * inverse;
            }
        });
    }

    /// <summary>cpu per-plane mean and std (StyleALAE E's style statistics).</summary>
    [Benchmark, Work(TensorBytes)]
    public void CpuStatistics() => CpuInstanceNorm.Statistics(_x, _mean, _std, PlaneLength, 0f);

    /// <summary>cpu instance norm forward.</summary>
    [Benchmark, Work(2 * TensorBytes)]
    public void CpuForward() => CpuInstanceNorm.Forward(_x, _y, _mean, _std, PlaneLength, Epsilon);

    /// <summary>cpu instance norm input gradient (reads y and dy, writes dx).</summary>
    [Benchmark, Work(3 * TensorBytes)]
    public void CpuBackward() => CpuInstanceNorm.Backward(_x, _dy, _std, _dx, PlaneLength);

    private sealed class InstanceNormConfig : ManualConfig
    {
        public InstanceNormConfig()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.ShortRun));
            AddColumn(ThroughputColumn.GigabytesPerSecond(ThroughputColumn.MethodWork));
        }
    }
}
