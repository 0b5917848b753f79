using AlaeIlgpu.Benchmarks.Infrastructure;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// cpu resampling of x [128, 64, 32, 32] (StyleALAE's top block at batch 128): 3x3 blur, 2x2 average pool and nearest 2x
/// upsampling. GB/s counts the bytes of input plus output once. PyTorch's depthwise blur manages ~5 GFLOP/s here
/// (about 0.6 s for this blur).
/// </summary>
[Config(typeof(ResampleConfig))]
public class Perf_Resample
{
    private const int Planes = 128 * 64, Side = 32;
    private const double PlaneBytes = Side * Side * 4.0 * Planes;

    private readonly ResampleGeometry _blur = ResampleGeometry.Blur(Planes, Side, Side);
    private readonly ResampleGeometry _pool = ResampleGeometry.AveragePool2x2(Planes, Side, Side);
    private readonly ResampleGeometry _upsample = ResampleGeometry.UpsampleNearest2x(Planes, Side, Side);
    private readonly float[] _blurFilter = ResampleFilters.Blur3x3();
    private readonly float[] _poolFilter = ResampleFilters.Average2x2();
    private readonly float[] _nearestFilter = ResampleFilters.Nearest2x();
    private float[] _x = [], _same = [], _half = [], _double = [];

    /// <summary>Allocates the tensors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = new float[_blur.InputLength];
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = (float)random.NextDouble();
        }

        _same = new float[_blur.OutputLength];
        _half = new float[_pool.OutputLength];
        _double = new float[_upsample.OutputLength];
    }

    /// <summary>Direct 3x3 depthwise blur with bounds checks per tap, parallel over planes: the baseline.</summary>
    [Benchmark(Baseline = true), Work(2 * PlaneBytes)]
    public void NaiveBlur()
    {
        float[] x = _x, y = _same, f = _blurFilter;
        Parallel.For(0, Planes, p =>
        {
            for (int i = 0; i < Side; i++)
            for (int j = 0; j < Side; j++)
            {
                float sum = 0;
                for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                {
                    int r = i + a - 1, c = j + b - 1;
                    if (r >= 0 && r < Side && c >= 0 && c < Side)
                    {
                        sum += f[a * 3 + b] * x[(p * Side + r) * Side + c];
                    }
                }

                y[(p * Side + i) * Side + j] = sum;
            }
        });
    }

    /// <summary>cpu 3x3 binomial blur.</summary>
    [Benchmark, Work(2 * PlaneBytes)]
    public void CpuBlur() => CpuResample.Apply(_x, _blurFilter, _same, _blur);

    /// <summary>cpu blur adjoint (its backward): the same blur with the flipped filter.</summary>
    [Benchmark, Work(2 * PlaneBytes)]
    public void CpuBlurAdjoint() => CpuResample.ApplyAdjoint(_x, _blurFilter, _same, _blur);

    /// <summary>cpu 2x2 average pool.</summary>
    [Benchmark, Work(1.25 * PlaneBytes)]
    public void CpuAveragePool() => CpuResample.Apply(_x, _poolFilter, _half, _pool);

    /// <summary>cpu nearest 2x upsampling.</summary>
    [Benchmark, Work(5 * PlaneBytes)]
    public void CpuUpsampleNearest() => CpuResample.Apply(_x, _nearestFilter, _double, _upsample);

    private sealed class ResampleConfig : ManualConfig
    {
        public ResampleConfig()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.ShortRun));
            AddColumn(ThroughputColumn.GigabytesPerSecond(ThroughputColumn.MethodWork));
        }
    }
}
