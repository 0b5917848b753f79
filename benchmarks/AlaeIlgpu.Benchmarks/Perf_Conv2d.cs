using AlaeIlgpu.Benchmarks.Infrastructure;
using AlaeIlgpu.Kernels;
using AlaeIlgpu.Kernels.Cpu;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace AlaeIlgpu.Benchmarks;

/// <summary>
/// cpu Conv2d at the PyTorch comparison shape x [32, 64, 32, 32], w [64, 64, 3, 3], pad 1 (2.416 GFLOP per pass;
/// PyTorch 1.13 with oneDNN on the build machine: ~440 GFLOP/s forward, ~240 forward + backward).
/// </summary>
[Config(typeof(Conv2dConfig))]
public class Perf_Conv2d
{
    private const double PassFlop = 2.0 * 32 * 64 * 32 * 32 * 64 * 3 * 3;

    private readonly Conv2dGeometry _g = Conv2dGeometry.Create(32, 64, 32, 32, 64, 3, 3, 1, 1);
    private float[] _x = [], _w = [], _b = [], _y = [], _dy = [], _dx = [], _dw = [], _db = [];

    /// <summary>Allocates the tensors with fixed pseudo-random contents.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _x = Filled(_g.InputLength, random);
        _w = Filled(_g.WeightLength, random);
        _b = Filled(_g.OutChannels, random);
        _dy = Filled(_g.OutputLength, random);
        _y = new float[_g.OutputLength];
        _dx = new float[_g.InputLength];
        _dw = new float[_g.WeightLength];
        _db = new float[_g.OutChannels];
    }

    /// <summary>Direct seven-loop convolution, parallel over images: the baseline.</summary>
    [Benchmark(Baseline = true), Work(PassFlop)]
    public void NaiveForward()
    {
        var g = _g;
        float[] x = _x, w = _w, b = _b, y = _y;
        Parallel.For(0, g.Batch, n => NaiveImage(g, x, w, b, y, n));
    }

    /// <summary>cpu forward with bias.</summary>
    [Benchmark, Work(PassFlop)]
    public void CpuForward() => CpuConv2d.Forward(_x, _w, _b, _y, _g);

    /// <summary>cpu input gradient (the transposed convolution).</summary>
    [Benchmark, Work(PassFlop)]
    public void CpuInputGradient() => CpuConv2d.InputGradient(_dy, _w, _dx, _g);

    /// <summary>cpu weight and bias gradients.</summary>
    [Benchmark, Work(PassFlop)]
    public void CpuWeightGradient() => CpuConv2d.WeightGradient(_x, _dy, _dw, _db, _g);

    /// <summary>Forward, input gradient and weight gradient: one training step of the layer.</summary>
    [Benchmark, Work(3 * PassFlop)]
    public void CpuForwardBackward()
    {
        CpuConv2d.Forward(_x, _w, _b, _y, _g);
        CpuConv2d.InputGradient(_dy, _w, _dx, _g);
        CpuConv2d.WeightGradient(_x, _dy, _dw, _db, _g);
    }

    /// <summary>The direct seven-loop convolution of image <paramref name="n"/>: the naive baseline of the conv benchmarks.</summary>
    internal static void NaiveImage(Conv2dGeometry g, float[] x, float[] w, float[] b, float[] y, int n)
    {
        for (int co = 0; co < g.OutChannels; co++)
        for (int oy = 0; oy < g.OutHeight; oy++)
        for (int ox = 0; ox < g.OutWidth; ox++)
        {
            float sum = b[co];
            for (int ci = 0; ci < g.InChannels; ci++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
            for (int kw = 0; kw < g.KernelWidth; kw++)
            {
                int iy = oy + kh - g.Padding, ix = ox + kw - g.Padding;
                if (iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width)
                {
                    sum += x[((n * g.InChannels + ci) * g.Height + iy) * g.Width + ix] *
                           w[((co * g.InChannels + ci) * g.KernelHeight + kh) * g.KernelWidth + kw];
                }
            }

            y[((n * g.OutChannels + co) * g.OutHeight + oy) * g.OutWidth + ox] = sum;
        }
    }

    /// <summary><paramref name="length"/> pseudo-random values in [-0.5, 0.5).</summary>
    internal static float[] Filled(int length, Random random)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)random.NextDouble() - 0.5f;
        }

        return values;
    }

    private sealed class Conv2dConfig : ManualConfig
    {
        public Conv2dConfig()
        {
            AddJob(BenchmarkJobs.ForThisMachine(Job.ShortRun));
            AddColumn(ThroughputColumn.GigaFlops(ThroughputColumn.MethodWork));
        }
    }
}
